// Module entry: open() and libpcapVersion(). Errors are returned as plain
// data ({ error: { code, status, message } }); the TypeScript wrapper turns
// them into Error objects, so this file never throws.
#include <napi.h>
#include <pcap/pcap.h>

#include "capture.h"
#include "open.h"

namespace sekiwake {
namespace {

std::string GetString(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

int64_t GetInt(const Napi::Object& o, const char* key, int64_t fallback) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : fallback;
}

bool GetBool(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsBoolean() && v.As<Napi::Boolean>().Value();
}

// The wrapper validates ranges; these defaults only matter if it did not.
OpenConfig ReadConfig(const Napi::Object& o) {
  OpenConfig c;
  c.device = GetString(o, "device");
  c.file = GetString(o, "file");
  c.filter = GetString(o, "filter");
  c.snaplen = static_cast<int>(GetInt(o, "snaplen", c.snaplen));
  c.bufferBytes = static_cast<int>(GetInt(o, "bufferBytes", c.bufferBytes));
  c.timeoutMs = static_cast<int>(GetInt(o, "timeoutMs", c.timeoutMs));
  c.promiscuous = GetBool(o, "promiscuous");
  c.immediate = GetBool(o, "immediate");
  c.inboundOnly = GetBool(o, "inboundOnly");
  return c;
}

Napi::Object NoticeObject(Napi::Env env, const PcapNotice& notice) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("status", notice.status);
  o.Set("message", notice.message);
  return o;
}

Napi::Object FailureResult(Napi::Env env, const OpenedHandle& opened) {
  Napi::Object error = NoticeObject(env, opened.failure);
  error.Set("code", opened.failureCode);
  Napi::Object result = Napi::Object::New(env);
  result.Set("error", error);
  return result;
}

Napi::Array Warnings(Napi::Env env, const OpenedHandle& opened) {
  Napi::Array list = Napi::Array::New(env, opened.warnings.size());
  for (size_t i = 0; i < opened.warnings.size(); i++) {
    list.Set(static_cast<uint32_t>(i), NoticeObject(env, opened.warnings[i]));
  }
  return list;
}

// pcap_datalink returns a DLT_ value; a few of them differ from the LINKTYPE_
// numbers of savefiles (and of our LINKTYPE table), raw IP above all.
int LinktypeOf(pcap_t* handle) {
  int dlt = pcap_datalink(handle);
  switch (dlt) {
    case DLT_RAW: return 101;             // LINKTYPE_RAW
    case DLT_ATM_RFC1483: return 100;     // LINKTYPE_ATM_RFC1483
    default: return dlt;
  }
}

// open(options) -> { capture, linktype, snaplen, warnings } | { error }
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) {
    OpenedHandle bad;
    bad.failureCode = "E_PCAP_OPTION";
    bad.failure = {"ERROR", "open() needs an options object"};
    return FailureResult(env, bad);
  }
  Napi::Object options = info[0].As<Napi::Object>();
  OpenedHandle opened = OpenPcap(ReadConfig(options));
  if (opened.handle == nullptr) return FailureResult(env, opened);
  Napi::Object result = Napi::Object::New(env);
  result.Set("linktype", LinktypeOf(opened.handle));
  result.Set("snaplen", pcap_snapshot(opened.handle));
  result.Set("warnings", Warnings(env, opened));
  CaptureInit init{&opened,
                   static_cast<uint32_t>(GetInt(options, "batchPackets", 1024)),
                   static_cast<size_t>(GetInt(options, "batchBytes", 1 << 20))};
  // From here the capture object owns the handle.
  result.Set("capture", Capture::NewInstance(env, init));
  return result;
}

Napi::Value LibVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), pcap_lib_version());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function capture = Capture::DefineClass(env);
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(capture)));
  exports.Set("open", Napi::Function::New<Open>(env, "open"));
  exports.Set("libpcapVersion",
              Napi::Function::New<LibVersion>(env, "libpcapVersion"));
  return exports;
}

}  // namespace
}  // namespace sekiwake

// The macro pastes the name into an identifier, so it cannot be qualified.
Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return sekiwake::Init(env, exports);
}

NODE_API_MODULE(sekiwake_pcap, InitModule)

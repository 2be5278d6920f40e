// Module entry: open(config) returns { socket } or { error }; the TypeScript
// wrapper turns an error into an Error object, so opening never throws.
#include <napi.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "open.h"
#include "socket.h"

namespace sekiwake {
namespace {

std::string GetString(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : std::string();
}

int GetInt(const Napi::Object& o, const char* key) {
  Napi::Value v = o.Get(key);
  return v.IsNumber() ? v.As<Napi::Number>().Int32Value() : 0;
}

Napi::Object FailureResult(Napi::Env env, const OpenedSocket& opened) {
  Napi::Object error = Napi::Object::New(env);
  error.Set("errno", ErrnoName(opened.error));
  error.Set("syscall", opened.syscall);
  error.Set("message", strerror(opened.error));
  Napi::Object result = Napi::Object::New(env);
  result.Set("error", error);
  return result;
}

// open({ host, port, sendBufferBytes, sourceAddress }) -> { socket } | { error }
// The wrapper validates the options; bad ones only fail the system calls.
Napi::Value Open(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  OpenConfig config;
  if (info.Length() >= 1 && info[0].IsObject()) {
    Napi::Object o = info[0].As<Napi::Object>();
    config.host = GetString(o, "host");
    config.port = GetInt(o, "port");
    config.sendBufferBytes = GetInt(o, "sendBufferBytes");
    config.sourceAddress = GetString(o, "sourceAddress");
  }
  OpenedSocket opened = OpenUdpSocket(config);
  if (opened.fd < 0) return FailureResult(env, opened);
  Napi::Object result = Napi::Object::New(env);
  result.Set("socket", Socket::NewInstance(env, opened));
  return result;
}

// testingSocketPair(sendBufferBytes) -> { socket, peerFd } | { error }
// For tests only: loopback UDP never reports EAGAIN (the loopback device
// releases each datagram's send-buffer charge at once), while a Unix
// datagram pair does once its peer stops reading, so it exercises the same
// send loop. The caller reads and closes peerFd.
Napi::Value TestingSocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int bytes = info.Length() >= 1 && info[0].IsNumber()
                  ? info[0].As<Napi::Number>().Int32Value()
                  : 0;
  int fds[2];
  OpenedSocket opened;
  if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds)) {
    opened.syscall = "socketpair";
    opened.error = errno;
    return FailureResult(env, opened);
  }
  if (bytes > 0) setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
  opened.fd = fds[0];
  Napi::Object result = Napi::Object::New(env);
  result.Set("socket", Socket::NewInstance(env, opened));
  result.Set("peerFd", fds[1]);
  return result;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  Napi::Function socket = Socket::DefineClass(env);
  env.SetInstanceData(new Napi::FunctionReference(Napi::Persistent(socket)));
  exports.Set("open", Napi::Function::New<Open>(env, "open"));
  exports.Set("testingSocketPair",
              Napi::Function::New<TestingSocketPair>(env, "testingSocketPair"));
  return exports;
}

}  // namespace
}  // namespace sekiwake

// The macro pastes the name into an identifier, so it cannot be qualified.
Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return sekiwake::Init(env, exports);
}

NODE_API_MODULE(sekiwake_udp_batch, InitModule)

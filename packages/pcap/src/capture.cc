#include "capture.h"

#include <algorithm>

namespace sekiwake {
namespace {

// Batches waiting for JavaScript. When it is full the capture thread blocks
// and the kernel ring absorbs (or drops, counted by pcap_stats) the excess,
// so this process never holds more than about this many batches.
constexpr size_t kQueueBatches = 8;
constexpr auto kStatsInterval = std::chrono::milliseconds(250);

// Adds the step since the last sample of a wrapping 32-bit counter.
void Accumulate(std::atomic<uint64_t>& total, unsigned int& last,
                unsigned int now) {
  total.fetch_add(static_cast<uint32_t>(now - last),
                  std::memory_order_relaxed);
  last = now;
}

}  // namespace

void DeliverBatch(Napi::Env env, Napi::Function onBatch, Capture* capture,
                  Batch* batch) {
  // A null env means the TSFN is being torn down with this batch still
  // queued; the capture may be gone, so do not touch it.
  if (env == nullptr || onBatch == nullptr) {
    delete batch;
    return;
  }
  // A copy keeps native memory bounded to the pool and lets V8 account for
  // every byte it holds; it costs far less than walking the packets in JS.
  Napi::Buffer<uint8_t> buffer =
      Napi::Buffer<uint8_t>::Copy(env, batch->data(), batch->size());
  uint32_t count = batch->count();
  capture->Recycle(batch);
  onBatch.Call({buffer, Napi::Number::New(env, count)});
}

Napi::Function Capture::DefineClass(Napi::Env env) {
  return ObjectWrap<Capture>::DefineClass(
      env, "NativeCapture",
      {InstanceMethod<&Capture::Start>("start"),
       InstanceMethod<&Capture::Stop>("stop"),
       InstanceMethod<&Capture::Stats>("stats")});
}

Napi::Object Capture::NewInstance(Napi::Env env, CaptureInit& init) {
  Napi::FunctionReference* ctor = env.GetInstanceData<Napi::FunctionReference>();
  auto external = Napi::External<CaptureInit>::New(env, &init);
  return ctor->New({external});
}

// Only NewInstance calls this; JavaScript never sees the constructor.
Capture::Capture(const Napi::CallbackInfo& info) : ObjectWrap<Capture>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) return;
  const CaptureInit& init =
      *info[0].As<Napi::External<CaptureInit>>().Data();
  handle_ = init.opened->handle;
  offline_ = init.opened->offline;
  nsecScale_ = init.opened->nsecScale;
  batchPackets_ = init.batchPackets;
  // Every batch must hold at least one record of the full snapshot length.
  size_t oneRecord = kRecordHeaderBytes + PaddedLength(pcap_snapshot(handle_));
  pool_ = std::make_unique<BatchPool>(std::max(init.batchBytes, oneRecord));
}

Capture::~Capture() {
  // A running capture holds a strong reference to itself, so only an idle or
  // finished one gets here.
  CloseHandle();
}

void Capture::CloseHandle() {
  if (handle_ != nullptr) pcap_close(handle_);
  handle_ = nullptr;
  state_ = State::kClosed;
}

// start(onBatch(buffer, count), onFinished(reason, errorText)) -> boolean
Napi::Value Capture::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ != State::kOpen || info.Length() < 2 || !info[0].IsFunction() ||
      !info[1].IsFunction()) {
    return Napi::Boolean::New(env, false);
  }
  tsfn_ = BatchTsfn::New(env, info[0].As<Napi::Function>(), "sekiwake_pcap",
                         kQueueBatches, 1, this, &Capture::OnFinished,
                         static_cast<void*>(nullptr));
  onFinished_ = Napi::Persistent(info[1].As<Napi::Function>());
  Ref();  // Released in OnFinished: the thread uses this object until then.
  state_ = State::kRunning;
  lastStats_ = std::chrono::steady_clock::now();
  thread_ = std::thread(&Capture::Run, this);
  return Napi::Boolean::New(env, true);
}

// stop() -> "closed" when nothing runs any more, "stopping" when the caller
// must wait for onFinished.
Napi::Value Capture::Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (state_ == State::kOpen) CloseHandle();
  if (state_ == State::kClosed) return Napi::String::New(env, "closed");
  RequestStop();
  return Napi::String::New(env, "stopping");
}

// pcap_breakloop is safe from another thread: libpcap 1.10 sets a flag and
// writes to an eventfd that the capture thread's poll also waits on.
void Capture::RequestStop() {
  stopRequested_.store(true);
  pcap_breakloop(handle_);
}

Napi::Value Capture::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array stats = Napi::Array::New(env, 3);
  stats.Set(0u, static_cast<double>(received_.load()));
  stats.Set(1u, static_cast<double>(dropped_.load()));
  stats.Set(2u, static_cast<double>(ifDropped_.load()));
  return stats;
}

void Capture::Run() {
  while (!stopRequested_.load()) {
    int n = pcap_dispatch(handle_, -1, &Capture::OnPacket,
                          reinterpret_cast<u_char*>(this));
    if (n == PCAP_ERROR) {
      endReason_ = "error";
      errorText_ = pcap_geterr(handle_);
      break;
    }
    if (n == 0 && offline_) {
      endReason_ = "end";
      break;
    }
    // With cnt -1, pcap_dispatch returns once the ring holds nothing more,
    // so a partial batch now is the latency bound the user asked for.
    if (!Flush()) break;
  }
  Flush();
  SampleStats();
  // After napi_closing the TSFN must not be used again, not even released.
  if (!tsfnClosing_) tsfn_.Release();
}

void Capture::OnPacket(u_char* user, const pcap_pkthdr* header,
                       const u_char* packet) {
  reinterpret_cast<Capture*>(user)->Append(header, packet);
}

void Capture::Append(const pcap_pkthdr* header, const u_char* packet) {
  if (tsfnClosing_) return;
  if (filling_ == nullptr) filling_ = pool_->Take();
  // A savefile may claim a caplen beyond its snaplen; never overrun.
  uint32_t maxCaplen = static_cast<uint32_t>(
      filling_->capacity() - kRecordHeaderBytes);
  PacketMeta meta{static_cast<uint32_t>(header->ts.tv_sec),
                  static_cast<uint32_t>(header->ts.tv_usec) * nsecScale_,
                  std::min(header->caplen, maxCaplen), header->len};
  if (!filling_->Fits(meta.caplen) || filling_->count() >= batchPackets_) {
    if (!Flush()) return;
    filling_ = pool_->Take();
  }
  filling_->Append(meta, packet);
}

// Hands the batch being filled to JavaScript, blocking while the queue is
// full. Returns false once the TSFN is closing (the environment is shutting
// down); the capture then stops.
bool Capture::Flush() {
  MaybeSampleStats();
  if (tsfnClosing_) return false;
  if (filling_ == nullptr || filling_->count() == 0) return true;
  Batch* batch = filling_.release();
  if (tsfn_.BlockingCall(batch) == napi_ok) return true;
  delete batch;
  tsfnClosing_ = true;
  RequestStop();
  return false;
}

// pcap_stats must not run concurrently with pcap_dispatch, so only this
// thread calls it, and publishes the totals through atomics.
void Capture::SampleStats() {
  pcap_stat ps;
  if (offline_ || pcap_stats(handle_, &ps) != 0) return;
  Accumulate(received_, lastRecv_, ps.ps_recv);
  Accumulate(dropped_, lastDrop_, ps.ps_drop);
  Accumulate(ifDropped_, lastIfDrop_, ps.ps_ifdrop);
  lastStats_ = std::chrono::steady_clock::now();
}

void Capture::MaybeSampleStats() {
  if (std::chrono::steady_clock::now() - lastStats_ >= kStatsInterval) {
    SampleStats();
  }
}

// Runs on the main thread once the capture thread has released the TSFN and
// every queued batch has been delivered. Also runs at environment teardown,
// when the thread may still be inside pcap_dispatch: hence the stop request
// before joining.
void Capture::OnFinished(Napi::Env env, void*, Capture* self) {
  self->RequestStop();
  self->thread_.join();
  self->CloseHandle();
  self->filling_.reset();
  if (env != nullptr && !self->onFinished_.IsEmpty()) {
    Napi::HandleScope scope(env);
    self->onFinished_.Call({Napi::String::New(env, self->endReason_),
                            Napi::String::New(env, self->errorText_)});
  }
  self->onFinished_.Reset();
  self->Unref();  // Last: after this the object may be collected.
}

}  // namespace sekiwake

// A capture session: one pcap handle, one capture thread, one thread-safe
// function that carries batches to JavaScript.
#pragma once

#include <napi.h>
#include <pcap/pcap.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "batch.h"
#include "open.h"

namespace sekiwake {

class Capture;

// Runs on the main thread for every batch the capture thread hands over.
void DeliverBatch(Napi::Env env, Napi::Function onBatch, Capture* capture,
                  Batch* batch);

using BatchTsfn =
    Napi::TypedThreadSafeFunction<Capture, Batch, &DeliverBatch>;

struct CaptureInit {
  OpenedHandle* opened;
  uint32_t batchPackets;
  size_t batchBytes;
};

class Capture : public Napi::ObjectWrap<Capture> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  static Napi::Object NewInstance(Napi::Env env, CaptureInit& init);

  explicit Capture(const Napi::CallbackInfo& info);
  ~Capture() override;

  void Recycle(Batch* batch) { pool_->Give(std::unique_ptr<Batch>(batch)); }

 private:
  enum class State { kOpen, kRunning, kClosed };

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);

  // Capture thread.
  void Run();
  static void OnPacket(u_char* user, const pcap_pkthdr* header,
                       const u_char* packet);
  void Append(const pcap_pkthdr* header, const u_char* packet);
  bool Flush();
  void SampleStats();
  void MaybeSampleStats();
  void RequestStop();

  // Main thread, after the capture thread released the TSFN.
  static void OnFinished(Napi::Env env, void* unused, Capture* self);
  void CloseHandle();

  pcap_t* handle_ = nullptr;
  bool offline_ = false;
  uint32_t nsecScale_ = 1;
  uint32_t batchPackets_ = 1024;

  // Main thread only.
  State state_ = State::kOpen;
  Napi::FunctionReference onFinished_;
  BatchTsfn tsfn_;
  std::thread thread_;

  // Capture thread only while it runs; read by the main thread after join.
  std::unique_ptr<BatchPool> pool_;
  std::unique_ptr<Batch> filling_;
  bool tsfnClosing_ = false;
  const char* endReason_ = "stopped";
  std::string errorText_;
  std::chrono::steady_clock::time_point lastStats_;
  unsigned int lastRecv_ = 0, lastDrop_ = 0, lastIfDrop_ = 0;

  // Shared between the threads.
  std::atomic<bool> stopRequested_{false};
  // libpcap's counters are 32 bits and wrap; these totals do not.
  std::atomic<uint64_t> received_{0}, dropped_{0}, ifDropped_{0};
};

}  // namespace sekiwake

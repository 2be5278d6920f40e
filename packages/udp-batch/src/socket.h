// A connected UDP socket that JavaScript sends batches through. Every send
// is non-blocking; failures are returned as { sent, errno } data, and only
// bad arguments throw (TypeError or RangeError).
#pragma once

#include <napi.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <vector>

#include "open.h"

namespace sekiwake {

// Where a batch send stopped: datagrams accepted, then errno (0 if none).
struct SendOutcome {
  uint32_t sent = 0;
  int error = 0;
};

class Socket : public Napi::ObjectWrap<Socket> {
 public:
  static Napi::Function DefineClass(Napi::Env env);
  static Napi::Object NewInstance(Napi::Env env, OpenedSocket& opened);

  explicit Socket(const Napi::CallbackInfo& info);
  ~Socket() override;

 private:
  Napi::Value SendMany(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Fd(const Napi::CallbackInfo& info);

  SendOutcome SendRanges(const uint8_t* base, const uint32_t* offsets,
                         const uint32_t* lengths, uint32_t count);
  uint32_t FillChunk(const uint8_t* base, const uint32_t* offsets,
                     const uint32_t* lengths, uint32_t count);
  int TakeQueuedError();

  // -1 once closed; the finalizer closes it if JavaScript never did.
  int fd_ = -1;
  // The largest UDP payload of one unfragmented-by-jumbogram datagram.
  uint32_t maxPayload_ = 65507;
  // Reused between calls: one entry per datagram of a sendmmsg chunk.
  std::vector<mmsghdr> messages_;
  std::vector<iovec> iovecs_;
};

}  // namespace sekiwake

#include "socket.h"

#include <errno.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include <algorithm>

namespace sekiwake {
namespace {

// UIO_MAXIOV: the kernel's upper bound on messages per sendmmsg call.
constexpr uint32_t kChunkMessages = 1024;
constexpr uint32_t kMaxPayloadV4 = 65507;  // 65535 - 20 (IPv4) - 8 (UDP)
constexpr uint32_t kMaxPayloadV6 = 65527;  // 65535 - 8 (UDP), no jumbograms
// Error-queue entries read per drain; the queue is bounded by SO_RCVBUF.
constexpr int kMaxQueuedErrors = 4096;

Napi::Value ThrowArgument(Napi::Env env, bool range, const std::string& text) {
  Napi::Error error = range ? Napi::RangeError::New(env, text)
                            : Napi::Error(Napi::TypeError::New(env, text));
  error.Value().Set("code", "E_UDP_ARGUMENT");
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

bool IsTyped(const Napi::Value& v, napi_typedarray_type type) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == type;
}

// A non-negative integer below 2^32, or false.
bool ReadIndex(const Napi::Value& v, uint32_t* out) {
  if (!v.IsNumber()) return false;
  double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= 0 && d <= 4294967295.0) || d != static_cast<double>(
                                                  static_cast<uint32_t>(d))) {
    return false;
  }
  *out = static_cast<uint32_t>(d);
  return true;
}

Napi::Object Result(Napi::Env env, const SendOutcome& outcome) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("sent", outcome.sent);
  if (outcome.error == 0) {
    result.Set("errno", env.Null());
  } else {
    result.Set("errno", ErrnoName(outcome.error));
  }
  return result;
}

}  // namespace

Napi::Function Socket::DefineClass(Napi::Env env) {
  return ObjectWrap<Socket>::DefineClass(
      env, "NativeUdpSocket",
      {InstanceMethod<&Socket::SendMany>("sendMany"),
       InstanceMethod<&Socket::Send>("send"),
       InstanceMethod<&Socket::Close>("close"),
       InstanceAccessor<&Socket::Fd>("fd")});
}

Napi::Object Socket::NewInstance(Napi::Env env, OpenedSocket& opened) {
  Napi::FunctionReference* ctor = env.GetInstanceData<Napi::FunctionReference>();
  return ctor->New({Napi::External<OpenedSocket>::New(env, &opened)});
}

// Only NewInstance calls this; JavaScript never sees the constructor.
Socket::Socket(const Napi::CallbackInfo& info) : ObjectWrap<Socket>(info) {
  if (info.Length() < 1 || !info[0].IsExternal()) return;
  OpenedSocket* opened = info[0].As<Napi::External<OpenedSocket>>().Data();
  fd_ = opened->fd;
  opened->fd = -1;  // ownership moves here
  maxPayload_ = opened->ipv6 ? kMaxPayloadV6 : kMaxPayloadV4;
}

Socket::~Socket() {
  if (fd_ >= 0) close(fd_);
}

// sendMany(buffer, offsets, lengths, from, count) -> { sent, errno }
Napi::Value Socket::SendMany(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !IsTyped(info[0], napi_uint8_array) ||
      !IsTyped(info[1], napi_uint32_array) ||
      !IsTyped(info[2], napi_uint32_array)) {
    return ThrowArgument(env, false,
                         "sendMany(buffer, offsets, lengths, from, count) "
                         "needs a Uint8Array and two Uint32Arrays");
  }
  uint32_t from = 0;
  uint32_t count = 0;
  if (!ReadIndex(info[3], &from) || !ReadIndex(info[4], &count)) {
    return ThrowArgument(env, false,
                         "from and count must be non-negative integers");
  }
  auto buffer = info[0].As<Napi::Uint8Array>();
  auto offsets = info[1].As<Napi::Uint32Array>();
  auto lengths = info[2].As<Napi::Uint32Array>();
  uint64_t end = static_cast<uint64_t>(from) + count;
  if (end > offsets.ElementLength() || end > lengths.ElementLength()) {
    return ThrowArgument(env, true,
                         "from + count must not exceed the length of offsets "
                         "or of lengths");
  }
  const uint32_t* o = offsets.Data() + from;
  const uint32_t* l = lengths.Data() + from;
  uint64_t size = buffer.ByteLength();
  for (uint32_t i = 0; i < count; i++) {
    if (static_cast<uint64_t>(o[i]) + l[i] > size) {
      return ThrowArgument(env, true,
                           "datagram " + std::to_string(from + i) +
                               " ends past the end of the buffer");
    }
  }
  if (fd_ < 0) return Result(env, {0, EBADF});
  return Result(env, SendRanges(buffer.Data(), o, l, count));
}

// send(payload) -> { sent, errno }
Napi::Value Socket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !IsTyped(info[0], napi_uint8_array)) {
    return ThrowArgument(env, false, "send(payload) needs a Uint8Array");
  }
  auto payload = info[0].As<Napi::Uint8Array>();
  if (fd_ < 0) return Result(env, {0, EBADF});
  if (payload.ByteLength() > maxPayload_) return Result(env, {0, EMSGSIZE});
  ssize_t n;
  do {
    n = send(fd_, payload.Data(), payload.ByteLength(), MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n >= 0) return Result(env, {1, 0});
  int error = errno;
  TakeQueuedError();
  return Result(env, {0, error});
}

Napi::Value Socket::Close(const Napi::CallbackInfo& info) {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  return info.Env().Undefined();
}

Napi::Value Socket::Fd(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), fd_);
}

// Points up to one chunk of messages at their byte ranges, stopping before
// the first datagram that is too long to send.
uint32_t Socket::FillChunk(const uint8_t* base, const uint32_t* offsets,
                           const uint32_t* lengths, uint32_t count) {
  uint32_t n = std::min(count, kChunkMessages);
  if (messages_.size() < n) {
    messages_.resize(n);
    iovecs_.resize(n);
  }
  for (uint32_t i = 0; i < n; i++) {
    if (lengths[i] > maxPayload_) return i;
    // sendmsg does not write through iov_base; the cast drops const only.
    iovecs_[i].iov_base = const_cast<uint8_t*>(base + offsets[i]);
    iovecs_[i].iov_len = lengths[i];
    msghdr& h = messages_[i].msg_hdr;
    memset(&h, 0, sizeof(h));
    h.msg_iov = &iovecs_[i];
    h.msg_iovlen = 1;
  }
  return n;
}

SendOutcome Socket::SendRanges(const uint8_t* base, const uint32_t* offsets,
                               const uint32_t* lengths, uint32_t count) {
  uint32_t done = 0;
  while (done < count) {
    uint32_t n = FillChunk(base, offsets + done, lengths + done, count - done);
    if (n == 0) return {done, EMSGSIZE};
    int r = sendmmsg(fd_, messages_.data(), n, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EINTR) continue;
      int error = errno;
      TakeQueuedError();
      return {done, error};
    }
    done += static_cast<uint32_t>(r);
    // A short count means message `done` failed and sendmmsg dropped the
    // error. A persistent one (EAGAIN, ENOBUFS) shows again on the next
    // call; an ICMP error was consumed, and only the error queue has it.
    if (static_cast<uint32_t>(r) < n) {
      int queued = TakeQueuedError();
      if (queued != 0) return {done, queued};
    }
  }
  return {done, 0};
}

// Empties the error queue (so that it cannot fill or re-arm a stale error)
// and returns the errno of its first entry, or 0 when it was empty.
int Socket::TakeQueuedError() {
  int first = 0;
  alignas(cmsghdr) char control[512];
  for (int i = 0; i < kMaxQueuedErrors; i++) {
    msghdr h;
    memset(&h, 0, sizeof(h));
    h.msg_control = control;
    h.msg_controllen = sizeof(control);
    if (recvmsg(fd_, &h, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) break;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
      bool isError = (c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                     (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR);
      if (!isError || first != 0) continue;
      sock_extended_err ee;
      memcpy(&ee, CMSG_DATA(c), sizeof(ee));
      first = static_cast<int>(ee.ee_errno);
    }
  }
  return first;
}

}  // namespace sekiwake

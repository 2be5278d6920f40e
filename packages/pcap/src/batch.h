// Batches of packet records, filled on the capture thread and copied into a
// Node Buffer on the main thread. Record layout (little-endian):
//   u32 tsSec, u32 tsNsec, u32 caplen, u32 wirelen, caplen bytes, pad to 4.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace sekiwake {

constexpr size_t kRecordHeaderBytes = 16;

inline size_t PaddedLength(size_t n) { return (n + 3) & ~size_t{3}; }

// Explicit byte order, so the format does not depend on the host.
inline void PutU32LE(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

struct PacketMeta {
  uint32_t tsSec;
  uint32_t tsNsec;
  uint32_t caplen;
  uint32_t wirelen;
};

class Batch {
 public:
  explicit Batch(size_t capacity) : bytes_(capacity) {}

  const uint8_t* data() const { return bytes_.data(); }
  size_t size() const { return used_; }
  uint32_t count() const { return count_; }
  size_t capacity() const { return bytes_.size(); }

  bool Fits(uint32_t caplen) const {
    return used_ + kRecordHeaderBytes + PaddedLength(caplen) <= capacity();
  }

  // The caller checks Fits() first; the pool sizes every batch for one
  // record of the handle's snapshot length.
  void Append(const PacketMeta& meta, const uint8_t* packet) {
    uint8_t* out = bytes_.data() + used_;
    PutU32LE(out, meta.tsSec);
    PutU32LE(out + 4, meta.tsNsec);
    PutU32LE(out + 8, meta.caplen);
    PutU32LE(out + 12, meta.wirelen);
    std::copy(packet, packet + meta.caplen, out + kRecordHeaderBytes);
    size_t padded = PaddedLength(meta.caplen);
    // Zero the padding so no bytes of an older packet leak into this one.
    std::fill(out + kRecordHeaderBytes + meta.caplen,
              out + kRecordHeaderBytes + padded, 0);
    used_ += kRecordHeaderBytes + padded;
    count_++;
  }

  void Clear() {
    used_ = 0;
    count_ = 0;
  }

 private:
  std::vector<uint8_t> bytes_;
  size_t used_ = 0;
  uint32_t count_ = 0;
};

// Recycles batch storage between the capture thread (Take) and the main
// thread (Give). Its size is bounded by the TSFN queue: at most the queued
// batches, the one being filled and the one being copied exist at once.
class BatchPool {
 public:
  explicit BatchPool(size_t capacity) : capacity_(capacity) {}

  std::unique_ptr<Batch> Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.empty()) return std::make_unique<Batch>(capacity_);
    std::unique_ptr<Batch> batch = std::move(free_.back());
    free_.pop_back();
    return batch;
  }

  void Give(std::unique_ptr<Batch> batch) {
    batch->Clear();
    std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(batch));
  }

 private:
  const size_t capacity_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Batch>> free_;
};

}  // namespace sekiwake

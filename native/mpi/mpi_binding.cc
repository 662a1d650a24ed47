// recurrent_mpi.node: the collectives of data-parallel training over MPI (lib/distributed/).
// A separate addon, built only where an MPI compiler wrapper is found
// (release/build_mpi_if_available.js), so the plain install needs no MPI.
//
// Every collective copies its arguments on the main thread into buffers the call owns,
// runs on a libuv worker (the event loop stays free) and resolves with new arrays; no
// worker reads a caller's buffer. MPI is initialized with MPI_THREAD_SERIALIZED and one
// collective runs at a time (a second call while one runs is refused), since the workers
// are different threads. Errors are returned, not fatal (MPI_ERRORS_RETURN), and become
// JavaScript errors naming the MPI call.
//
// The gradient reduction is deterministic: a fused buffer of p ranks is cut into p
// chunks, every rank receives every rank's copy of its own chunk (MPI_Alltoall), sums
// them in rank order 0, 1, ..., p-1, divides by p, and the reduced chunks are gathered
// everywhere (MPI_Allgather). The bytes on the wire are those of a ring all-reduce
// (2 (p-1)/p of the buffer per rank), the sum order never depends on MPI's choice of
// algorithm, and every rank ends with the same bits.
//
// Embedding tables may go another way (Horovod's sparse allgather): the rows a rank's
// batch touched (its nonzero gradient rows) are gathered everywhere with their ids
// (MPI_Allgatherv) and added into a zero table in rank order, when that moves fewer bytes
// than the dense reduction. The sums are those of the dense path (a row a rank left out
// adds nothing, where the dense path adds +0), so the bits are the same either way.
#include <mpi.h>
#include <napi.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

MPI_Comm g_comm = MPI_COMM_NULL;  // our duplicate of MPI_COMM_WORLD
int g_rank = 0;
int g_size = 1;
int g_local_rank = 0;
int g_local_size = 1;
std::atomic<bool> g_busy{false};  // a collective is queued or running

std::string mpi_error_text(int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) return "MPI error " + std::to_string(code);
  return std::string(text, static_cast<size_t>(length));
}

void check(int code, const char* call) {
  if (code != MPI_SUCCESS) throw std::runtime_error(std::string(call) + " failed: " + mpi_error_text(code));
}

bool initialized() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  return init && !fin;
}

// Largest element count one MPI call takes (counts are int).
constexpr int64_t kMaxCount = int64_t(1) << 30;

// The reduction's scratch, kept between steps (a fresh buffer per step would be allocated
// and faulted in every time); only one collective runs at a time.
struct Scratch {
  std::vector<float> send, recv, gather;
};
Scratch g_scratch;

// The mean of a sum over the ranks, as every path computes it.
inline float mean_of(float sum) {
  const bool exact_inverse = (g_size & (g_size - 1)) == 0;  // 1/p exact: multiply, else divide
  return exact_inverse ? sum * (1.0f / static_cast<float>(g_size)) : sum / static_cast<float>(g_size);
}

// Averages `data` [n] across the ranks in place, deterministically (see the header). The
// mean over one process is its own value: nothing to do. Returns the bytes this rank sent.
int64_t reduce_mean_bucket(float* data, int64_t n) {
  const int64_t p = g_size;
  if (p == 1 || n == 0) return 0;
  const int64_t chunk = (n + p - 1) / p;
  if (chunk > kMaxCount) throw std::runtime_error("a fusion bucket of " + std::to_string(n) + " floats is too large for one MPI call");
  const size_t padded = static_cast<size_t>(chunk * p);
  std::vector<float>& send = g_scratch.send;
  std::vector<float>& recv = g_scratch.recv;
  std::vector<float>& gather = g_scratch.gather;
  if (send.size() < padded) {
    send.resize(padded);
    recv.resize(padded);
    gather.resize(padded);
  }
  std::memcpy(send.data(), data, static_cast<size_t>(n) * sizeof(float));
  std::fill(send.begin() + n, send.begin() + static_cast<int64_t>(padded), 0.0f);
  const int c = static_cast<int>(chunk);
  check(MPI_Alltoall(send.data(), c, MPI_FLOAT, recv.data(), c, MPI_FLOAT, g_comm), "MPI_Alltoall");
  // recv[j * chunk + i]: rank j's value of element i of this rank's chunk.
  float* mine = send.data();  // reused: this rank's reduced chunk
  for (int64_t i = 0; i < chunk; ++i) {
    float s = recv[static_cast<size_t>(i)];
    for (int64_t j = 1; j < p; ++j) s += recv[static_cast<size_t>(j * chunk + i)];
    mine[i] = mean_of(s);
  }
  check(MPI_Allgather(mine, c, MPI_FLOAT, gather.data(), c, MPI_FLOAT, g_comm), "MPI_Allgather");
  std::memcpy(data, gather.data(), static_cast<size_t>(n) * sizeof(float));
  return 2 * (p - 1) * chunk * static_cast<int64_t>(sizeof(float));
}

// An embedding table's gradient inside the fused buffer: [rows, width] from `offset`.
struct Table {
  int64_t offset, rows, width;
};

// The nonzero rows of a table's gradient (the rows this rank's batch touched).
std::vector<int32_t> touched_rows(const float* data, const Table& t) {
  std::vector<int32_t> ids;
  for (int64_t r = 0; r < t.rows; ++r) {
    const float* row = data + t.offset + r * t.width;
    for (int64_t d = 0; d < t.width; ++d)
      if (row[d] != 0.0f) {
        ids.push_back(static_cast<int32_t>(r));
        break;
      }
  }
  return ids;
}

// Averages a table by gathering every rank's touched rows (see the header); `counts` [p]
// are the ranks' row counts. Returns the bytes this rank sent.
int64_t reduce_mean_rows(float* data, const Table& t, const std::vector<int32_t>& ids, const std::vector<int>& counts) {
  const int p = g_size;
  std::vector<int> id_displs(p), row_counts(p), row_displs(p);
  int64_t total = 0;
  for (int j = 0; j < p; ++j) {
    id_displs[j] = static_cast<int>(total);
    row_counts[j] = static_cast<int>(counts[j] * t.width);
    row_displs[j] = static_cast<int>(total * t.width);
    total += counts[j];
  }
  std::vector<float> rows(ids.size() * static_cast<size_t>(t.width));
  for (size_t i = 0; i < ids.size(); ++i)
    std::memcpy(rows.data() + i * t.width, data + t.offset + ids[i] * t.width, static_cast<size_t>(t.width) * sizeof(float));
  std::vector<int32_t> all_ids(static_cast<size_t>(total));
  std::vector<float> all_rows(static_cast<size_t>(total * t.width));
  check(MPI_Allgatherv(ids.data(), static_cast<int>(ids.size()), MPI_INT32_T, all_ids.data(), counts.data(), id_displs.data(), MPI_INT32_T, g_comm),
        "MPI_Allgatherv");
  check(MPI_Allgatherv(rows.data(), static_cast<int>(rows.size()), MPI_FLOAT, all_rows.data(), row_counts.data(), row_displs.data(), MPI_FLOAT,
                       g_comm),
        "MPI_Allgatherv");
  float* table = data + t.offset;
  std::fill(table, table + t.rows * t.width, 0.0f);
  for (int64_t i = 0; i < total; ++i) {  // rank 0's rows, then rank 1's, ...
    float* dst = table + static_cast<int64_t>(all_ids[static_cast<size_t>(i)]) * t.width;
    const float* src = all_rows.data() + i * t.width;
    for (int64_t d = 0; d < t.width; ++d) dst[d] += src[d];
  }
  for (int64_t i = 0; i < t.rows * t.width; ++i) table[i] = mean_of(table[i]);
  return (p - 1) * static_cast<int64_t>(ids.size()) * (t.width * static_cast<int64_t>(sizeof(float)) + static_cast<int64_t>(sizeof(int32_t)));
}

// Sums `values` [n] (doubles: losses, metric sums, counts) across the ranks in rank order.
void reduce_sum_doubles(std::vector<double>& values) {
  const size_t n = values.size();
  if (n == 0) return;
  std::vector<double> all(n * static_cast<size_t>(g_size));
  check(MPI_Allgather(values.data(), static_cast<int>(n), MPI_DOUBLE, all.data(), static_cast<int>(n), MPI_DOUBLE, g_comm),
        "MPI_Allgather");
  for (size_t i = 0; i < n; ++i) {
    double s = all[i];
    for (int j = 1; j < g_size; ++j) s += all[static_cast<size_t>(j) * n + i];
    values[i] = s;
  }
}

void require_initialized(const char* op) {
  if (!initialized()) throw std::runtime_error(std::string(op) + ": MPI is not initialized (call distributed.init() first)");
}

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) return "a typed array of another kind";
  if (v.IsArray()) return "an array";
  if (v.IsNumber()) return "the number " + v.As<Napi::Number>().ToString().Utf8Value();
  if (v.IsString()) return "a string";
  return "a value of another type";
}

// The Float32Arrays of argument `index` (a JavaScript array of them).
std::vector<Napi::Float32Array> float_arrays(const Napi::CallbackInfo& info, size_t index, const char* op) {
  if (info.Length() <= index || !info[index].IsArray())
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(index) +
                                               " must be an array of Float32Array, received " +
                                               (info.Length() <= index ? std::string("nothing") : describe(info[index])));
  Napi::Array a = info[index].As<Napi::Array>();
  std::vector<Napi::Float32Array> out;
  for (uint32_t i = 0; i < a.Length(); ++i) {
    Napi::Value v = a.Get(i);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw Napi::TypeError::New(info.Env(), std::string(op) + ": element " + std::to_string(i) + " must be a Float32Array, received " + describe(v));
    out.push_back(v.As<Napi::Float32Array>());
  }
  return out;
}

Napi::Float64Array float64_array(const Napi::CallbackInfo& info, size_t index, const char* op) {
  if (info.Length() <= index || !info[index].IsTypedArray() ||
      info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array)
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": argument " + std::to_string(index) + " must be a Float64Array, received " +
                                               (info.Length() <= index ? std::string("nothing") : describe(info[index])));
  return info[index].As<Napi::Float64Array>();
}

int64_t positive_int(const Napi::CallbackInfo& info, size_t index, const char* op, const char* what) {
  if (info.Length() <= index || !info[index].IsNumber())
    throw Napi::TypeError::New(info.Env(), std::string(op) + ": " + what + " must be a positive integer, received " +
                                               (info.Length() <= index ? std::string("nothing") : describe(info[index])));
  const double d = info[index].As<Napi::Number>().DoubleValue();
  if (!(d >= 1) || d != static_cast<double>(static_cast<int64_t>(d)) || d > 9.0e15)
    throw Napi::RangeError::New(info.Env(), std::string(op) + ": " + what + " must be a positive integer, received " + std::to_string(d));
  return static_cast<int64_t>(d);
}

// Claims the one collective slot (released by the worker's completion).
void claim(Napi::Env env, const char* op) {
  bool expected = false;
  if (!g_busy.compare_exchange_strong(expected, true))
    throw Napi::Error::New(env, std::string(op) + ": another collective is running (collectives run one at a time, in the same order on every rank)");
}

// A collective on a worker: `run` does the MPI work on owned buffers; `result` builds the
// JavaScript value on the main thread.
class CollectiveWorker : public Napi::AsyncWorker {
 public:
  CollectiveWorker(Napi::Env env, const char* op) : Napi::AsyncWorker(env, op), op_(op), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise promise() { return deferred_.Promise(); }

 protected:
  virtual void run() = 0;
  virtual Napi::Value result(Napi::Env env) = 0;

 private:
  void Execute() override {
    try {
      run();
    } catch (const std::bad_alloc&) {
      SetError(std::string(op_) + ": out of memory");
    } catch (const std::exception& e) {
      SetError(std::string(op_) + ": " + e.what());
    }
  }
  void OnOK() override {
    g_busy = false;
    Napi::HandleScope scope(Env());
    deferred_.Resolve(result(Env()));
  }
  void OnError(const Napi::Error& e) override {
    g_busy = false;
    deferred_.Reject(e.Value());
  }

  const char* op_;
  Napi::Promise::Deferred deferred_;
};

// Arrays joined into one new ArrayBuffer (filled on the main thread), which a worker may
// change in place: no JavaScript sees it until views() hands out its parts, after the work.
class FusedArrays {
 public:
  FusedArrays(Napi::Env env, const std::vector<Napi::Float32Array>& arrays) {
    size_t total = 0;
    for (const auto& a : arrays) total += a.ElementLength();
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, std::max<size_t>(1, total) * sizeof(float));
    data_ = static_cast<float*>(buffer.Data());
    size_t at = 0;
    for (const auto& a : arrays) {
      if (a.ElementLength() > 0) std::memcpy(data_ + at, a.Data(), a.ElementLength() * sizeof(float));
      lengths_.push_back(a.ElementLength());
      at += a.ElementLength();
    }
    total_ = static_cast<int64_t>(total);
    buffer_ = Napi::Persistent(buffer);
  }
  float* data() const { return data_; }
  int64_t size() const { return total_; }
  size_t count() const { return lengths_.size(); }
  int64_t length(size_t i) const { return static_cast<int64_t>(lengths_[i]); }
  int64_t offset(size_t i) const {
    int64_t at = 0;
    for (size_t k = 0; k < i; ++k) at += static_cast<int64_t>(lengths_[k]);
    return at;
  }
  // Float32Arrays of the original lengths over the buffer.
  Napi::Array views(Napi::Env env) {
    Napi::ArrayBuffer buffer = buffer_.Value();
    Napi::Array out = Napi::Array::New(env, lengths_.size());
    size_t at = 0;
    for (size_t i = 0; i < lengths_.size(); ++i) {
      out.Set(static_cast<uint32_t>(i), Napi::Float32Array::New(env, lengths_[i], buffer, at * sizeof(float)));
      at += lengths_[i];
    }
    return out;
  }

 private:
  Napi::Reference<Napi::ArrayBuffer> buffer_;
  float* data_ = nullptr;
  int64_t total_ = 0;
  std::vector<size_t> lengths_;
};

// allreduceMean(gradients, stats, fusionBytes, tables): the gradients averaged over the
// ranks (fused into buckets of at most fusionBytes, reduced in order; the embedding tables
// named by `tables` as gathered rows where that sends less) and the stats summed. The fused
// buffer is a new ArrayBuffer, filled on the main thread and reduced in place by the
// worker; no JavaScript sees it until the call resolves with views of it.
class AllreduceMeanWorker : public CollectiveWorker {
 public:
  AllreduceMeanWorker(Napi::Env env, const std::vector<Napi::Float32Array>& gradients, Napi::Float64Array stats, int64_t fusion_floats,
                      std::vector<std::pair<size_t, int64_t>> tables)
      : CollectiveWorker(env, "allreduceMean"), fusion_floats_(fusion_floats), gradients_(env, gradients) {
    stats_.assign(stats.Data(), stats.Data() + stats.ElementLength());
    for (const auto& [index, width] : tables) tables_.push_back({gradients_.offset(index), gradients_.length(index) / width, width});
  }

 private:
  void run() override {
    float* data = gradients_.data();
    const size_t T = tables_.size();
    const int p = g_size;
    std::vector<bool> sparse(T, false);
    std::vector<std::vector<int32_t>> ids(T);
    std::vector<int> counts(static_cast<size_t>(p) * T);
    if (p > 1 && T > 0) {
      std::vector<int> mine(T);
      for (size_t t = 0; t < T; ++t) {
        ids[t] = touched_rows(data, tables_[t]);
        mine[t] = static_cast<int>(ids[t].size());
      }
      check(MPI_Allgather(mine.data(), static_cast<int>(T), MPI_INT, counts.data(), static_cast<int>(T), MPI_INT, g_comm), "MPI_Allgather");
      // Every rank sees the same counts, so every rank decides alike.
      for (size_t t = 0; t < T; ++t) {
        double rows = 0;
        for (int j = 0; j < p; ++j) rows += counts[static_cast<size_t>(j) * T + t];
        const double gathered = rows * double(tables_[t].width + 1), dense = 2.0 * (p - 1) / p * double(tables_[t].rows * tables_[t].width);
        sparse[t] = gathered < dense && rows * double(tables_[t].width) <= double(kMaxCount);
      }
    }
    // The dense runs between the tables that go as rows, in buckets.
    int64_t at = 0;
    auto dense_until = [&](int64_t end) {
      for (int64_t start = at; start < end; start += fusion_floats_) sent_ += reduce_mean_bucket(data + start, std::min(fusion_floats_, end - start));
    };
    for (size_t t = 0; t < T; ++t) {
      if (!sparse[t]) continue;
      dense_until(tables_[t].offset);
      at = tables_[t].offset + tables_[t].rows * tables_[t].width;
    }
    dense_until(gradients_.size());
    for (size_t t = 0; t < T; ++t) {
      if (!sparse[t]) continue;
      std::vector<int> table_counts(static_cast<size_t>(p));
      for (int j = 0; j < p; ++j) table_counts[static_cast<size_t>(j)] = counts[static_cast<size_t>(j) * T + t];
      sent_ += reduce_mean_rows(data, tables_[t], ids[t], table_counts);
      sparse_tables_ += 1;
    }
    reduce_sum_doubles(stats_);
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Object r = Napi::Object::New(env);
    r.Set("gradients", gradients_.views(env));
    Napi::Float64Array stats = Napi::Float64Array::New(env, stats_.size());
    if (!stats_.empty()) std::memcpy(stats.Data(), stats_.data(), stats_.size() * sizeof(double));
    r.Set("stats", stats);
    r.Set("sentBytes", static_cast<double>(sent_));
    r.Set("sparseTables", static_cast<double>(sparse_tables_));
    return r;
  }

  int64_t fusion_floats_;
  FusedArrays gradients_;
  std::vector<Table> tables_;
  std::vector<double> stats_;
  int64_t sent_ = 0;
  int64_t sparse_tables_ = 0;
};

// broadcast(arrays): rank 0's arrays on every rank (the lengths must agree; the caller checks).
class BroadcastWorker : public CollectiveWorker {
 public:
  BroadcastWorker(Napi::Env env, const std::vector<Napi::Float32Array>& arrays) : CollectiveWorker(env, "broadcast"), arrays_(env, arrays) {}

 private:
  void run() override {
    const int64_t n = arrays_.size();
    for (int64_t start = 0; start < n; start += kMaxCount) {
      const int count = static_cast<int>(std::min(kMaxCount, n - start));
      check(MPI_Bcast(arrays_.data() + start, count, MPI_FLOAT, 0, g_comm), "MPI_Bcast");
    }
  }
  Napi::Value result(Napi::Env env) override { return arrays_.views(env); }

  FusedArrays arrays_;
};

// allgather(values): every rank's values, rank after rank ([size * n]).
class AllgatherWorker : public CollectiveWorker {
 public:
  AllgatherWorker(Napi::Env env, Napi::Float64Array values) : CollectiveWorker(env, "allgather") {
    values_.assign(values.Data(), values.Data() + values.ElementLength());
  }

 private:
  void run() override {
    out_.resize(values_.size() * static_cast<size_t>(g_size));
    const int n = static_cast<int>(values_.size());
    check(MPI_Allgather(values_.data(), n, MPI_DOUBLE, out_.data(), n, MPI_DOUBLE, g_comm), "MPI_Allgather");
  }
  Napi::Value result(Napi::Env env) override {
    Napi::Float64Array out = Napi::Float64Array::New(env, out_.size());
    if (!out_.empty()) std::memcpy(out.Data(), out_.data(), out_.size() * sizeof(double));
    return out;
  }

  std::vector<double> values_, out_;
};

template <typename F>
Napi::Value guarded(Napi::Env env, F f) {
  try {
    return f();
  } catch (const Napi::Error& e) {
    e.ThrowAsJavaScriptException();
  } catch (const std::exception& e) {
    Napi::Error::New(env, e.what()).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Object topology(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("rank", g_rank);
  o.Set("size", g_size);
  o.Set("localRank", g_local_rank);
  o.Set("localSize", g_local_size);
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int length = 0;
  MPI_Get_library_version(version, &length);
  std::string v(version, static_cast<size_t>(length));
  o.Set("library", v.substr(0, v.find_first_of(",\n")));
  return o;
}

// init(): MPI_Init_thread (once per process), our communicator, this process's place.
Napi::Value init(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    int fin = 0;
    MPI_Finalized(&fin);
    if (fin) throw std::runtime_error("init: MPI was finalized in this process and cannot start again");
    if (g_comm != MPI_COMM_NULL) return topology(info.Env());
    int already = 0;
    MPI_Initialized(&already);
    int provided = MPI_THREAD_SINGLE;
    if (!already) check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
    else MPI_Query_thread(&provided);
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    if (provided < MPI_THREAD_SERIALIZED)
      throw std::runtime_error("init: this MPI library gives thread level " + std::to_string(provided) +
                               ", and collectives on worker threads need MPI_THREAD_SERIALIZED (" + std::to_string(MPI_THREAD_SERIALIZED) + ") or more");
    MPI_Comm comm = MPI_COMM_NULL;
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "MPI_Comm_dup");
    check(MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(comm, &g_rank), "MPI_Comm_rank");
    check(MPI_Comm_size(comm, &g_size), "MPI_Comm_size");
    MPI_Comm local = MPI_COMM_NULL;
    check(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local), "MPI_Comm_split_type");
    check(MPI_Comm_rank(local, &g_local_rank), "MPI_Comm_rank");
    check(MPI_Comm_size(local, &g_local_size), "MPI_Comm_size");
    MPI_Comm_free(&local);
    g_comm = comm;
    return topology(info.Env());
  });
}

// finalize(): ends MPI in this process (after which init cannot run again).
Napi::Value finalize(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    if (g_busy) throw std::runtime_error("finalize: a collective is still running");
    if (!initialized()) return info.Env().Undefined();
    if (g_comm != MPI_COMM_NULL) MPI_Comm_free(&g_comm);
    g_comm = MPI_COMM_NULL;
    check(MPI_Finalize(), "MPI_Finalize");
    return info.Env().Undefined();
  });
}

template <typename W, typename... A>
Napi::Value queue(Napi::Env env, const char* op, A&&... args) {
  require_initialized(op);
  if (g_comm == MPI_COMM_NULL) throw std::runtime_error(std::string(op) + ": call init() first");
  claim(env, op);
  W* w = nullptr;
  try {
    w = new W(env, std::forward<A>(args)...);
  } catch (...) {
    g_busy = false;
    throw;
  }
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Value allreduce_mean(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    auto gradients = float_arrays(info, 0, "allreduceMean");
    Napi::Float64Array stats = float64_array(info, 1, "allreduceMean");
    const int64_t fusion_bytes = positive_int(info, 2, "allreduceMean", "fusionBytes");
    if (fusion_bytes < 4) throw Napi::RangeError::New(info.Env(), "allreduceMean: fusionBytes must be at least 4 (one float), received " + std::to_string(fusion_bytes));
    const int64_t fusion_floats = std::min<int64_t>(fusion_bytes / 4, kMaxCount);
    // tables: Int32Array of (gradient index, row width) pairs, indices increasing.
    if (info.Length() <= 3 || !info[3].IsTypedArray() || info[3].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throw Napi::TypeError::New(info.Env(), "allreduceMean: argument 3 (tables) must be an Int32Array of (index, width) pairs, received " +
                                                 (info.Length() <= 3 ? std::string("nothing") : describe(info[3])));
    Napi::Int32Array t = info[3].As<Napi::Int32Array>();
    if (t.ElementLength() % 2 != 0)
      throw Napi::RangeError::New(info.Env(), "allreduceMean: tables must hold (index, width) pairs, received " + std::to_string(t.ElementLength()) + " values");
    std::vector<std::pair<size_t, int64_t>> tables;
    for (size_t i = 0; i < t.ElementLength(); i += 2) {
      const int64_t index = t[i], width = t[i + 1];
      const int64_t previous = tables.empty() ? -1 : static_cast<int64_t>(tables.back().first);
      if (index <= previous || index >= static_cast<int64_t>(gradients.size()))
        throw Napi::RangeError::New(info.Env(), "allreduceMean: table index " + std::to_string(index) + " must be in (" + std::to_string(previous) + ", " +
                                                    std::to_string(gradients.size()) + ")");
      const int64_t length = static_cast<int64_t>(gradients[static_cast<size_t>(index)].ElementLength());
      if (width < 1 || length % width != 0 || length / width > INT32_MAX)
        throw Napi::RangeError::New(info.Env(), "allreduceMean: table " + std::to_string(index) + " has " + std::to_string(length) +
                                                    " values, not rows of width " + std::to_string(width));
      tables.emplace_back(static_cast<size_t>(index), width);
    }
    return queue<AllreduceMeanWorker>(info.Env(), "allreduceMean", gradients, stats, fusion_floats, std::move(tables));
  });
}

Napi::Value broadcast(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    auto arrays = float_arrays(info, 0, "broadcast");
    return queue<BroadcastWorker>(info.Env(), "broadcast", arrays);
  });
}

Napi::Value allgather(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Float64Array values = float64_array(info, 0, "allgather");
    return queue<AllgatherWorker>(info.Env(), "allgather", values);
  });
}

Napi::Object module_init(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, init, "init"));
  exports.Set("finalize", Napi::Function::New(env, finalize, "finalize"));
  exports.Set("allreduceMean", Napi::Function::New(env, allreduce_mean, "allreduceMean"));
  exports.Set("broadcast", Napi::Function::New(env, broadcast, "broadcast"));
  exports.Set("allgather", Napi::Function::New(env, allgather, "allgather"));
  return exports;
}

}  // namespace

NODE_API_MODULE(recurrent_mpi, module_init)

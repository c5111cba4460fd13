//! Process-wide settings a training binary makes first thing in `main`, before other threads exist.
//!
//! - **Freed memory stays mapped.** Every step allocates and frees tensors of a few MiB
//!   (activations, input gradients). With glibc's defaults each rayon thread's arena hands such
//!   memory back to the kernel when it is freed and faults it in again on the next step; the
//!   release also shoots down the other threads' TLB entries. On a 2-thread `convnet-rgb` step
//!   that was about a fifth of the time (perf: `smp_call_function_many_cond`, `native_write_msr`,
//!   page faults). Slack kept at the top of each heap (`M_TOP_PAD`) lets the next step reuse the
//!   pages. Address space only: pages are resident once used, so the peak resident memory does
//!   not change.
//! - **candle's element-wise pool has one thread** (`CANDLE_NUM_THREADS=1`, unless the user set
//!   it). The heavy work runs in this crate's kernels on rayon's threads and candle's matrix
//!   products use rayon's pool too (sized by `RAYON_NUM_THREADS`); candle's separate pool for
//!   element-wise ops spin-waits after each op, taking CPU from the kernels. Measured with
//!   `pipeline run` on 2 cores: recipes/vae.yaml 22.1 s → 15.1 s, recipes/rotation.yaml
//!   34.2 s → 31.3 s, recipes/quickstart.yaml 17.4 s → 16.2 s.

/// Slack kept at the top of each heap.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TOP_PAD: usize = 256 << 20;

/// Makes both settings. Call once, first thing in `main`.
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes allocator parameters; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, TOP_PAD as libc::c_int);
    }
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // Before any thread exists (candle reads it when its pool is first built).
        std::env::set_var("CANDLE_NUM_THREADS", "1");
    }
}

//! How the process's allocator treats the large, short-lived buffers of a training step.
//!
//! Every step allocates and frees tensors of a few MiB (activations, input gradients). With
//! glibc's defaults each rayon thread's arena hands such memory back to the kernel when it is
//! freed and faults it in again on the next step; the release also shoots down the other
//! threads' TLB entries. On a 2-thread `convnet-rgb` step that was about a fifth of the time
//! (perf: `smp_call_function_many_cond`, `native_write_msr`, page faults). Keeping some
//! slack at the top of each heap (`M_TOP_PAD`) lets the next step reuse the pages instead.

/// Slack kept at the top of each heap. Address space only; pages are resident only once used,
/// so the process's peak resident memory is unchanged.
const TOP_PAD: usize = 256 << 20;

/// Call once, first thing in `main`, before other threads exist. A no-op off glibc.
pub fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes allocator parameters; called before other threads start.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, TOP_PAD as libc::c_int);
    }
}

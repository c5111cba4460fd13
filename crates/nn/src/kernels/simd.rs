//! Element loops compiled for the CPU's widest vector instructions. The crate is built for the
//! x86-64 baseline, where loops vectorise to 128-bit SSE2 only; [`multiversion!`] compiles a
//! loop function a second and third time with AVX-512 and with AVX2 + FMA enabled and picks one
//! at run time (the check is a cached load). The body must not call closures or non-inlined
//! helpers in its hot loops: those would stay baseline code.

/// The instruction sets a loop can be compiled for, best first.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Level {
    Avx512,
    Avx2,
    Baseline,
}

#[cfg(target_arch = "x86_64")]
pub(crate) fn level() -> Level {
    use std::sync::OnceLock;
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        if is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512vl")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512dq")
            && is_x86_feature_detected!("fma")
        {
            Level::Avx512
        } else if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            Level::Avx2
        } else {
            Level::Baseline
        }
    })
}

#[cfg(not(target_arch = "x86_64"))]
pub(crate) fn level() -> Level {
    Level::Baseline
}

/// `fn name<T: Float>(args) -> R { body }`, compiled three times and dispatched on [`level`].
macro_rules! multiversion {
    ($(#[$meta:meta])* $vis:vis fn $name:ident<$T:ident: Float>($($arg:ident: $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block) => {
        $(#[$meta])*
        #[allow(clippy::too_many_arguments)]
        $vis fn $name<$T: Float>($($arg: $ty),*) $(-> $ret)? {
            #[inline(always)]
            #[allow(clippy::too_many_arguments)]
            fn body<$T: Float>($($arg: $ty),*) $(-> $ret)? $body
            #[cfg(target_arch = "x86_64")]
            {
                #[target_feature(enable = "avx512f,avx512vl,avx512bw,avx512dq,avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn avx512<$T: Float>($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                #[target_feature(enable = "avx2,fma,bmi1,bmi2,lzcnt,popcnt")]
                #[allow(clippy::too_many_arguments)]
                unsafe fn avx2<$T: Float>($($arg: $ty),*) $(-> $ret)? {
                    body($($arg),*)
                }
                match $crate::kernels::simd::level() {
                    // SAFETY: level() checked that this CPU has these features.
                    $crate::kernels::simd::Level::Avx512 => return unsafe { avx512($($arg),*) },
                    $crate::kernels::simd::Level::Avx2 => return unsafe { avx2($($arg),*) },
                    $crate::kernels::simd::Level::Baseline => {}
                }
            }
            body($($arg),*)
        }
    };
}
pub(crate) use multiversion;

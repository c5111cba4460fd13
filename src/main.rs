//! The `pipeline` binary: a thin edge over the library.

fn main() -> std::process::ExitCode {
    pipeline_nn::heap::keep_freed_memory();
    pipeline::cli::main()
}

//! The `pipeline` binary: a thin edge over the library.

fn main() -> std::process::ExitCode {
    pipeline_nn::process::configure();
    pipeline::cli::main()
}

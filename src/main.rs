//! The `pipeline` binary: a thin edge over the library.

fn main() -> std::process::ExitCode {
    pipeline::cli::main()
}

//! The README's method reference is generated from the method declarations; this keeps it so.

use std::process::Command;

const START: &str = "<!-- reference:start -->\n";
const END: &str = "<!-- reference:end -->";

#[test]
fn readme_reference_matches_the_declarations() {
    let out = Command::new(env!("CARGO_BIN_EXE_pipeline")).args(["list", "--format", "md"]).output().unwrap();
    assert!(out.status.success());
    let listing = String::from_utf8(out.stdout).unwrap();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).unwrap();
    let (head, rest) = readme.split_once(START).expect("README has the reference start marker");
    let (current, tail) = rest.split_once(END).expect("README has the reference end marker");
    if current != listing {
        if std::env::var_os("UPDATE_README").is_some() {
            std::fs::write(path, format!("{head}{START}{listing}{END}{tail}")).unwrap();
        } else {
            panic!("README's method reference is stale: run `UPDATE_README=1 cargo test --release --test docs`");
        }
    }
}

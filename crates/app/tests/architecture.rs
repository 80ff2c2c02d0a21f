//! Architecture invariants, checked rather than hoped for:
//! a context crate depends on `kernel` and `contracts` only, and every Rust file opens
//! with a `//!` line saying what it is for.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const CONTEXTS: &[&str] =
    &["emporium-catalog", "emporium-inventory", "emporium-orders", "emporium-payments", "emporium-shipping"];
const ALLOWED: &[&str] = &["emporium-kernel", "emporium-contracts"];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_owned()
}

#[test]
fn contexts_depend_only_on_kernel_and_contracts() {
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--no-deps", "--offline"])
        .current_dir(workspace_root())
        .output()
        .expect("cargo metadata runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();
    let packages = metadata["packages"].as_array().unwrap();
    let mut checked = 0;
    for package in packages.iter().filter(|p| CONTEXTS.contains(&p["name"].as_str().unwrap())) {
        checked += 1;
        for dependency in package["dependencies"].as_array().unwrap() {
            let name = dependency["name"].as_str().unwrap();
            if name.starts_with("emporium-") {
                assert!(ALLOWED.contains(&name), "{} depends on {name}", package["name"]);
            }
        }
    }
    assert_eq!(checked, CONTEXTS.len(), "every context crate was found");
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    let mut files = Vec::new();
    rust_files(&workspace_root().join("crates"), &mut files);
    assert!(files.len() > 40);
    let missing: Vec<_> = files
        .iter()
        .filter(|f| !std::fs::read_to_string(f).unwrap().starts_with("//!"))
        .map(|f| f.display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a //! purpose line: {missing:#?}");
}

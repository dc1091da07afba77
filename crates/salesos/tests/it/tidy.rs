//! Tidy checks on the source tree: every Rust file opens with a `//!` doc, every crate is named
//! in ARCHITECTURE.md, every `tests/it` module is listed in `main.rs`, and the dependency edges
//! the architecture forbids do not exist.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !matches!(path.file_name().and_then(|n| n.to_str()), Some("target" | "corpus" | "artifacts")) {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn crates() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(root().join("crates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let mut files = Vec::new();
    rust_files(&root().join("crates"), &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter(|f| !std::fs::read_to_string(f).unwrap().trim_start().starts_with("//!"))
        .map(|f| f.strip_prefix(root()).unwrap().display().to_string())
        .collect();
    assert!(missing.is_empty(), "files without a //! doc: {missing:?}");
}

#[test]
fn every_crate_is_in_the_architecture_document() {
    let doc = std::fs::read_to_string(root().join("ARCHITECTURE.md")).unwrap();
    for name in crates() {
        assert!(doc.contains(&format!("`{name}`")), "ARCHITECTURE.md does not mention `{name}`");
    }
}

#[test]
fn every_black_box_module_is_listed() {
    let dir = root().join("crates/salesos/tests/it");
    let main = std::fs::read_to_string(dir.join("main.rs")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if let Some(stem) = path.file_stem().and_then(|s| s.to_str()).filter(|s| *s != "main") {
            assert!(main.contains(&format!("mod {stem};")), "tests/it/{stem} is not listed in main.rs");
        }
    }
}

#[test]
fn forbidden_dependency_edges_do_not_exist() {
    let deps = |name: &str| std::fs::read_to_string(root().join("crates").join(name).join("Cargo.toml")).unwrap();
    let internal = |manifest: &str| -> Vec<String> {
        crates()
            .into_iter()
            .filter(|c| {
                manifest.lines().any(|l| {
                    l.trim_start().starts_with(&format!("{c}.workspace")) || l.trim_start().starts_with(&format!("{c} ="))
                })
            })
            .collect()
    };
    assert!(internal(&deps("salesos-model")).is_empty(), "salesos-model depends on nothing internal");
    for pure in ["salesos-import", "salesos-export"] {
        if root().join("crates").join(pure).exists() {
            assert_eq!(internal(&deps(pure)), ["salesos-model"], "{pure} depends only on salesos-model");
        }
    }
    let store = internal(&deps("salesos-store"));
    assert!(
        !store.iter().any(|c| c == "salesos-import" || c == "salesos-export" || c == "salesos-formats"),
        "salesos-store: {store:?}"
    );
    for library in crates().into_iter().filter(|c| c != "salesos") {
        let text = deps(&library);
        assert!(!text.contains("clap"), "{library} must not parse command lines");
        assert!(!text.contains("axum") || library == "salesos-http", "{library} must not know HTTP");
    }
}

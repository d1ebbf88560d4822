//! The committed demo assets are exactly what `bake-demo` generates.

use std::path::Path;

#[test]
fn demo_assets_are_reproducible() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = root.join("target/test-out/bake");
    let _ = std::fs::remove_dir_all(&tmp);
    let files = livingfilm_cli::bake::bake_demo(&tmp, 64, livingfilm_render::Storage::U8).unwrap();
    assert_eq!(files.len(), 17);
    for f in files {
        let rel = f.strip_prefix(&tmp).unwrap();
        let committed = std::fs::read(root.join("assets/demo").join(rel)).unwrap();
        assert!(
            std::fs::read(&f).unwrap() == committed,
            "{} differs from its bake",
            rel.display()
        );
    }
}

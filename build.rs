//! Link options for the `clab` executable.
//!
//! On glibc Linux the executable's ~40,000 relative relocations are packed (DT_RELR, glibc
//! 2.36+ and binutils 2.38+ or lld 15+): the dynamic loader then reads about 12 KiB of them at
//! start instead of 1 MiB, which is a tenth of a headless run's memory. The executable stays
//! position-independent. A linker whose C library lacks DT_RELR leaves the relocations as they
//! were, and a linker that predates the option ignores it with a warning.

fn main() {
    let target = |key: &str| std::env::var(key).unwrap_or_default();
    if target("CARGO_CFG_TARGET_OS") == "linux" && target("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

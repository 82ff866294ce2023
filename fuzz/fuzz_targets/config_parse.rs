//! The config parser on arbitrary bytes: a `.leakgate.toml` comes from the
//! repository being committed to, so it is input like any other. Parsing and
//! building an engine from it may fail, but never panic, and a config that
//! loads must scan.

#![no_main]

use leakgate::config::{LoadedConfig, SourceText};
use leakgate::engine::{Engine, ScanInput};
use leakgate::path::RepoPath;
use libfuzzer_sys::fuzz_target;

const SAMPLE: &[u8] = b"aws = \"AKIAD7RGN7SS555HMTF6\"\ntoken = \"q8Fz2LmX0pRt7WvNc3Yb\"\n";

fuzz_target!(|data: &[u8]| {
    let Ok(source) = SourceText::from_bytes(".leakgate.toml", data) else {
        return;
    };
    let Ok(config) = LoadedConfig::parse(source) else {
        return;
    };
    let _ = config.file.scan.max_file_size();
    let Ok(engine) = Engine::from_config(Some(&config)) else {
        return;
    };
    for content in [SAMPLE, data] {
        // A rule's regex is only compiled when first used, so a scan may
        // still report an error; it must not panic.
        let _ = engine.scan(&ScanInput::whole(RepoPath::new("src/app.py"), content));
    }
});

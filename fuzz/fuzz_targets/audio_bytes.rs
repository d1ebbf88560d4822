//! Any bytes as an audio file: decoded blocks of finite samples, or a typed error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use livingfilm_audio::StreamDecoder;

fuzz_target!(|data: &[u8]| {
    if let Ok(mut dec) = StreamDecoder::from_bytes(data.to_vec(), std::path::Path::new("fuzz")) {
        let mut blocks = 0;
        while let Ok(Some(b)) = dec.next_block() {
            assert!(b.iter().all(|s| s.is_finite()));
            blocks += 1;
            if blocks > 1000 {
                break;
            }
        }
    }
});

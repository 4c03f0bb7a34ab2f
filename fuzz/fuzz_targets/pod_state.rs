//! The pod-state, dockershim and image-pull kinds on arbitrary bytes:
//! no operation panics, and for every kind except podstatus-v1 (whose
//! rewrite can be corrupt by design, spec §2.1) the canonical bytes verify
//! and are a fixpoint.
#![no_main]

use kubelet_ckpt::formats::{registry, Verdict, VerifyOptions};
use libfuzzer_sys::fuzz_target;

const FAMILIES: [&str; 5] = [
    "podstatus-",
    "allocated-",
    "actuated-",
    "dockershim-",
    "imagepull-",
];

fuzz_target!(|data: &[u8]| {
    let opts = VerifyOptions::default();
    for k in registry() {
        let name = k.info().name;
        if !FAMILIES.iter().any(|f| name.starts_with(f)) {
            continue;
        }
        let v = k.verify(data, &opts);
        let _ = k.explain(data, &mut Vec::new());
        let _ = k.checksum(data);
        let Ok(canon) = k.canonical(data) else {
            continue;
        };
        assert_eq!(
            v.verdict,
            Verdict::Ok,
            "{name}: canonical of a file that does not verify"
        );
        if name == "podstatus-v1" {
            continue;
        }
        let v2 = k.verify(&canon, &opts);
        assert_eq!(
            v2.verdict,
            Verdict::Ok,
            "{name}: canonical does not verify: {}",
            v2.message
        );
        assert_eq!(
            k.canonical(&canon).ok().as_deref(),
            Some(&canon[..]),
            "{name}: not a fixpoint"
        );
    }
});

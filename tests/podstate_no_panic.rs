//! No input bytes can panic the pod-state, dockershim, image-pull and
//! read-only kinds, or the Quantity parser: random and structured junk
//! through every operation.

use crate::support;

use kubelet_ckpt::formats::{registry, VerifyOptions};
use kubelet_ckpt::go::quantity::Quantity;
use support::{catch, Rng};

const FAMILIES: [&str; 9] = [
    "dynamic-",
    "podstatus-",
    "allocated-",
    "actuated-",
    "dockershim-",
    "imagepull-",
    "bootstrap-",
    "csi-",
    "graceful-",
];

const PIECES: [&str; 24] = [
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "null",
    "true",
    "1e999",
    "-0",
    "\"data\"",
    "\"checksum\"",
    "\"allocationEntries\"",
    "\"entries\"",
    "\"ContainerResources\"",
    "\"cpu\"",
    "\"1.5Gi\"",
    "\"1e-2147483648\"",
    "\"kind\"",
    "\"apiVersion\"",
    "\"kubelet.config.k8s.io/v1beta1\"",
    "\\u0000",
    "\u{2028}",
];

fn junk(r: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..r.below(40) {
        if r.below(4) == 0 {
            out.push(r.next_u64() as u8);
        } else {
            out.extend_from_slice(PIECES[r.below(PIECES.len())].as_bytes());
        }
    }
    out
}

#[test]
fn kinds_never_panic() {
    let mut r = Rng::new(42);
    let kinds: Vec<_> = registry()
        .iter()
        .filter(|k| FAMILIES.iter().any(|f| k.info().name.starts_with(f)))
        .collect();
    assert!(kinds.len() >= 24, "only {} kinds registered", kinds.len());
    for _ in 0..400 {
        let input = junk(&mut r);
        for k in &kinds {
            let res = catch(|| {
                let _ = k.verify(&input, &VerifyOptions::default());
                let _ = k.canonical(&input);
                let _ = k.explain(&input, &mut Vec::new());
                let _ = k.checksum(&input);
            });
            assert!(
                res.is_ok(),
                "{} panicked on {:?}: {:?}",
                k.info().name,
                String::from_utf8_lossy(&input),
                res
            );
        }
    }
}

#[test]
fn quantity_never_panics() {
    let mut r = Rng::new(7);
    const CH: &[u8] = b"0123456789.+-eEinumkKMGTP \"\xa0\xff";
    for _ in 0..20000 {
        let s: Vec<u8> = (0..r.below(24)).map(|_| CH[r.below(CH.len())]).collect();
        let res = catch(|| {
            let mut q = Quantity::default();
            if q.unmarshal_json(&s).is_ok() {
                let _ = q.marshal_json();
            }
        });
        assert!(res.is_ok(), "{:?}: {res:?}", String::from_utf8_lossy(&s));
    }
}

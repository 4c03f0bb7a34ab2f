//! `Quantity::unmarshal_json` on arbitrary raw JSON tokens: never panics;
//! what it accepts marshals, and marshalling is a fixpoint after one round
//! (the written text re-parses to a quantity that writes the same text:
//! cached strings are kept verbatim, canonical texts never end their
//! mantissa in `000` and so are cached on re-parse). One exception: the
//! canonical text can move a fast-path quantity onto the arbitrary-precision
//! path with an astronomically large exponent (`3666666226666650.5e666000`
//! is written `3666666226666650500e665997`), which the reference refuses
//! (the kubelet would effectively hang on its next restore).
#![no_main]

use kubelet_ckpt::go::quantity::{Quantity, QuantityError};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut q = Quantity::default();
    if q.unmarshal_json(data).is_err() {
        return;
    }
    let once = q.marshal_json();
    let mut again = Quantity::default();
    match again.unmarshal_json(&once) {
        Ok(()) => {}
        Err(QuantityError::TooExpensive) => return,
        Err(e) => panic!("written text {once:?} does not parse: {e}"),
    }
    assert_eq!(
        again.marshal_json(),
        once,
        "marshal is not a fixpoint for {:?}",
        String::from_utf8_lossy(data)
    );
});

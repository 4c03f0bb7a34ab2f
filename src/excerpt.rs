//! Capping long texts for display.
//!
//! Messages can echo input: Go's decoders quote the offending value, and
//! the image-pull readers quote the whole document ("Object 'Kind' is
//! missing in '...'"). A 50 MB string in a file must not become a 50 MB
//! line on a terminal or in a log, so messages are shown as head and tail
//! with the size of what was left out.

use std::borrow::Cow;

/// `s` when it is at most `max` bytes; otherwise its head and tail around
/// `… (N bytes omitted) …`, cut on char boundaries, the whole at most `max`
/// bytes (when `max` leaves room for the marker; a tiny `max` still yields
/// the marker alone). Head and tail both matter: the head says what kind of
/// error, the tail often holds the position or closing context.
pub fn cap(s: &str, max: usize) -> Cow<'_, str> {
    if s.len() <= max {
        return Cow::Borrowed(s);
    }
    // The marker's length depends on N, which depends on how much is kept;
    // size it for the largest N (everything omitted) so the result fits.
    let marker_len = marker(s.len()).len();
    let keep = max.saturating_sub(marker_len);
    let mut head = keep - keep / 2;
    while !s.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = s.len() - keep / 2;
    while !s.is_char_boundary(tail) {
        tail += 1;
    }
    Cow::Owned(format!(
        "{}{}{}",
        &s[..head],
        marker(tail - head),
        &s[tail..]
    ))
}

fn marker(omitted: usize) -> String {
    format!("… ({omitted} bytes omitted) …")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_is_borrowed() {
        assert!(matches!(cap("abc", 3), Cow::Borrowed("abc")));
        assert!(matches!(cap("", 0), Cow::Borrowed("")));
    }

    #[test]
    fn long_keeps_head_and_tail() {
        let s = format!("HEAD{}TAIL", "x".repeat(1000));
        let c = cap(&s, 100);
        assert!(c.len() <= 100, "{}", c.len());
        assert!(c.starts_with("HEADxx") && c.ends_with("xxTAIL"), "{c}");
        // The omitted count is exact: kept + omitted = original.
        let n: usize = c
            .split("… (")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let visible = c.len() - marker(n).len();
        assert_eq!(visible + n, s.len());
    }

    #[test]
    fn cuts_on_char_boundaries() {
        for max in 0..80 {
            let s = "é€😀".repeat(20);
            let c = cap(&s, max); // must not panic on a boundary
            assert!(c.contains("bytes omitted"));
            if max >= marker(s.len()).len() + 8 {
                assert!(c.len() <= max, "{max}: {}", c.len());
            }
        }
    }
}

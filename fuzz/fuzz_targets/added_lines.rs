//! The diff-to-line mapping on arbitrary old and new blobs: it must never
//! panic, its ranges must be sorted, disjoint and inside the new blob, every
//! line the old blob never had must be reported as new (else a secret could
//! slip through), and the lines it calls unchanged must appear in the old
//! blob in the same order.

#![no_main]

use leakgate::content::text_for_scanning;
use leakgate::engine::AddedLines;
use leakgate::source::diff::added_lines;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte says where old ends and new begins.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = (split as usize * rest.len()) / 255;
    let (old, new) = rest.split_at(split.min(rest.len()));
    let AddedLines::Ranges(ranges) = added_lines(old, new) else {
        panic!("a diff always gives ranges");
    };
    let (old, new) = (text_for_scanning(old), text_for_scanning(new));
    let old_lines: Vec<&[u8]> = old.split_inclusive(|&b| b == b'\n').collect();
    let new_lines: Vec<&[u8]> = new.split_inclusive(|&b| b == b'\n').collect();
    for pair in ranges.windows(2) {
        assert!(
            pair[0].end <= pair[1].start,
            "unsorted or overlapping: {ranges:?}"
        );
    }
    for range in &ranges {
        assert!(
            1 <= range.start && range.start < range.end,
            "bad range {range:?}"
        );
        assert!(
            range.end as usize <= new_lines.len() + 1,
            "range past the end"
        );
    }
    let added = AddedLines::Ranges(ranges.clone());
    let mut unchanged = Vec::new();
    for (i, line) in new_lines.iter().enumerate() {
        let number = i as u32 + 1;
        let is_added = added.touches(number, number);
        assert!(
            is_added || old_lines.contains(line),
            "line {number} is new but not reported"
        );
        if !is_added {
            unchanged.push(*line);
        }
    }
    let mut rest = old_lines.iter();
    assert!(
        unchanged.iter().all(|line| rest.any(|old| old == line)),
        "unchanged lines are not in the old blob in order"
    );
});

//! Which rules can be searched near their keywords only: a proof, from a
//! rule's regex, that every match contains one of its keywords and extends
//! a bounded number of bytes around it ([`keyword_reach`]). The engine's
//! matcher relies on it (see its module documentation for why a region
//! search then finds exactly the whole-blob matches).
//!
//! The analysis enumerates the short strings regex fragments can spell, so
//! on a large generic rule it costs more than compiling the regex. The
//! build script therefore runs it on every built-in rule (it includes this
//! file, which needs only `regex_syntax`), and a scan analyses only custom
//! rules and built-in rules a config changed.

use regex_syntax::hir::{Class, Hir, HirKind};

/// Parses a rule's regex the way rules are compiled: bytes, not Unicode, so
/// `\w`, `\d` and `\b` stay ASCII over arbitrary bytes (a rule can opt into
/// Unicode with `(?u)`), and CRLF mode keeps `.` and `$` off the `\r` of a
/// Windows line ending. Errors read like the `regex` crate's.
pub fn parse(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .utf8(false)
        .crlf(true)
        .build()
        .parse(pattern)
        .map_err(|err| err.to_string())
}

/// The reach of a rule with this regex and these keywords (as the rule
/// writes them); an error if the regex does not parse.
pub fn reach_of_rule(pattern: &str, keywords: &[String]) -> Result<Option<Reach>, String> {
    let hir = parse(pattern)?;
    let lowered: Vec<Vec<u8>> = keywords
        .iter()
        .map(|k| k.to_ascii_lowercase().into_bytes())
        .collect();
    Ok(keyword_reach(&hir, &lowered))
}

/// The most strings a regex fragment may stand for before the analysis gives
/// up on enumerating them.
const MAX_STRINGS: usize = 64;
/// The most distinct (lower-cased) bytes a class may hold to be enumerated.
const MAX_CLASS_BYTES: usize = 16;

/// How far a match can extend around the keyword occurrence it contains.
///
/// A match holding the occurrence `k` starts at or after `k.end - before`
/// bytes, and ends at or before `k.start + after` bytes, where those are
/// bounded. It also stays within a [`Side::beyond_line`] of the keyword's
/// line where that is bounded: a rule whose value has no length limit
/// (`[A-Za-z0-9]{40,}`) can still be searched near its keywords, as long as
/// its matches cannot run on over the next lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub before: Side,
    pub after: Side,
}

/// One side of a [`Reach`]; at least one of its two bounds holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Side {
    /// The most bytes the match extends past the keyword's far end.
    pub bytes: Option<usize>,
    /// The most bytes the match extends past the keyword's line on this
    /// side (past the first line break after the keyword, or before the
    /// last one before it, counting the break itself): `Some(0)` when the
    /// match stays on the keyword's line.
    pub beyond_line: Option<usize>,
}

/// What bounds a regex fragment's matches: their longest length, and
/// whether any can contain a line break.
#[derive(Clone, Copy)]
struct Extent {
    max_len: Option<usize>,
    one_line: bool,
}

impl Extent {
    fn of(hir: &Hir) -> Extent {
        Extent {
            max_len: max_len(hir),
            one_line: !can_match_line_break(hir),
        }
    }
}

impl Side {
    /// A side spelled by a fragment of this extent alone.
    fn of(extent: Extent) -> Option<Side> {
        Side {
            bytes: Some(0),
            beyond_line: Some(0),
        }
        .widened(extent)
    }

    /// `self` with a fragment of extent `more` matched beyond it (farther
    /// from the keyword).
    fn widened(self, more: Extent) -> Option<Side> {
        let side = Side {
            bytes: self
                .bytes
                .zip(more.max_len)
                .map(|(a, b)| a.saturating_add(b)),
            beyond_line: match self.beyond_line {
                // Still on the keyword's line: a fragment without line
                // breaks keeps it there; any other goes at most its length
                // past the line's break.
                Some(0) if more.one_line => Some(0),
                Some(past) => more.max_len.map(|len| past.saturating_add(len)),
                None => None,
            },
        };
        side.is_bounded().then_some(side)
    }

    /// `self` with the fragments `items` matched beyond it, nearest first.
    fn widened_by<'h>(self, mut items: impl Iterator<Item = &'h Hir>) -> Option<Side> {
        items.try_fold(self, |side, item| side.widened(Extent::of(item)))
    }

    fn is_bounded(self) -> bool {
        self.bytes.is_some() || self.beyond_line.is_some()
    }

    /// Both sides' bounds, each as loose as the looser of the two.
    fn either(self, other: Side) -> Option<Side> {
        let looser = |a: Option<usize>, b: Option<usize>| a.zip(b).map(|(a, b)| a.max(b));
        let side = Side {
            bytes: looser(self.bytes, other.bytes),
            beyond_line: looser(self.beyond_line, other.beyond_line),
        };
        side.is_bounded().then_some(side)
    }

    /// A rough size of the side, to choose between two proven reaches: a
    /// side bounded by the line alone counts as a long one.
    fn cost(self) -> usize {
        self.bytes
            .unwrap_or_else(|| LINE_COST.saturating_add(self.beyond_line.unwrap_or(0)))
    }
}

/// What a side bounded only by the line counts as when reaches are compared.
const LINE_COST: usize = 256;

impl Reach {
    /// A fragment of this extent that contains the keyword.
    fn within(extent: Extent) -> Option<Reach> {
        let side = Side::of(extent)?;
        Some(Reach {
            before: side,
            after: side,
        })
    }

    fn width(self) -> usize {
        self.before.cost().saturating_add(self.after.cost())
    }

    /// The reach of an alternation whose branches have these reaches: each
    /// side as loose as the loosest branch's, if every branch has one.
    fn of_every(reaches: impl Iterator<Item = Option<Reach>>) -> Option<Reach> {
        let mut all: Option<Reach> = None;
        for reach in reaches {
            let reach = reach?;
            all = Some(match all {
                None => reach,
                Some(all) => Reach {
                    before: all.before.either(reach.before)?,
                    after: all.after.either(reach.after)?,
                },
            });
        }
        all
    }
}

/// Can a match of `hir` contain a line break (`\n`)?
fn can_match_line_break(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => false,
        HirKind::Literal(literal) => literal.0.contains(&b'\n'),
        HirKind::Class(Class::Bytes(class)) => class
            .ranges()
            .iter()
            .any(|r| r.start() <= b'\n' && b'\n' <= r.end()),
        HirKind::Class(Class::Unicode(class)) => class
            .ranges()
            .iter()
            .any(|r| r.start() <= '\n' && '\n' <= r.end()),
        HirKind::Capture(capture) => can_match_line_break(&capture.sub),
        HirKind::Repetition(rep) => rep.max != Some(0) && can_match_line_break(&rep.sub),
        HirKind::Concat(items) | HirKind::Alternation(items) => {
            items.iter().any(can_match_line_break)
        }
    }
}

/// `Some` when every match of `hir` contains one of `keywords` (already
/// lower-cased) and the match's extent around it is bounded; `None` when
/// that cannot be proven. Sound but incomplete: `None` only costs speed.
pub fn keyword_reach(hir: &Hir, keywords: &[Vec<u8>]) -> Option<Reach> {
    if keywords.is_empty() || keywords.iter().any(|k| k.is_empty()) {
        return None;
    }
    reach_of(hir, keywords)
}

/// The strings analysed are a few bytes long: a plain window comparison
/// beats setting up a substring searcher for each.
fn contains_keyword(text: &[u8], keywords: &[Vec<u8>]) -> bool {
    keywords
        .iter()
        .any(|k| text.windows(k.len()).any(|window| window == k.as_slice()))
}

fn max_len(hir: &Hir) -> Option<usize> {
    hir.properties().maximum_len()
}

/// What the analysis learns about one regex fragment.
struct Analysis {
    /// Every string the fragment matches, lower-cased, if there are few.
    strings: Option<Vec<Vec<u8>>>,
    /// The tightest proven reach of its matches around a keyword.
    reach: Option<Reach>,
}

/// Analyses `hir` bottom-up, each fragment once.
fn reach_of(hir: &Hir, keywords: &[Vec<u8>]) -> Option<Reach> {
    analyse(hir, keywords).reach
}

fn analyse(hir: &Hir, keywords: &[Vec<u8>]) -> Analysis {
    let (strings, structural) = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => (Some(vec![Vec::new()]), None),
        HirKind::Literal(literal) => (Some(vec![literal.0.to_ascii_lowercase()]), None),
        HirKind::Class(class) => (
            class_bytes(class).map(|bytes| bytes.into_iter().map(|b| vec![b]).collect()),
            None,
        ),
        HirKind::Capture(capture) => {
            let sub = analyse(&capture.sub, keywords);
            (sub.strings, sub.reach)
        }
        HirKind::Repetition(rep) => {
            let sub = analyse(&rep.sub, keywords);
            let strings = match (&sub.strings, rep.max) {
                (Some(strings), Some(max)) => repeat(strings, rep.min, max),
                _ => None,
            };
            // Every copy holds a keyword; rely on the first one, which the
            // remaining copies can only follow.
            let reach = match sub.reach {
                Some(first) if rep.min >= 1 => {
                    let copy = Extent::of(&rep.sub);
                    let rest = Extent {
                        max_len: rep
                            .max
                            .zip(copy.max_len)
                            .and_then(|(max, len)| (max as usize - 1).checked_mul(len)),
                        one_line: copy.one_line,
                    };
                    first
                        .after
                        .widened(rest)
                        .map(|after| Reach { after, ..first })
                }
                _ => None,
            };
            (strings, reach)
        }
        HirKind::Alternation(branches) => {
            let parts: Vec<Analysis> = branches.iter().map(|b| analyse(b, keywords)).collect();
            let strings = parts
                .iter()
                .try_fold(Vec::new(), |mut all, part| {
                    all.extend(part.strings.as_ref()?.iter().cloned());
                    Some(all)
                })
                .and_then(dedup);
            let reach = Reach::of_every(parts.iter().map(|part| part.reach));
            (strings, reach)
        }
        HirKind::Concat(items) => {
            let parts: Vec<Analysis> = items.iter().map(|i| analyse(i, keywords)).collect();
            let strings = parts.iter().try_fold(vec![Vec::new()], |product, part| {
                concatenate(&product, part.strings.as_ref()?)
            });
            (strings, concat_reach(items, &parts, keywords))
        }
    };
    let enumerated = strings
        .as_ref()
        .filter(|strings| strings.iter().all(|s| contains_keyword(s, keywords)))
        .and_then(|_| Reach::within(Extent::of(hir)));
    Analysis {
        strings,
        reach: tightest(structural, enumerated),
    }
}

fn tightest(a: Option<Reach>, b: Option<Reach>) -> Option<Reach> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.width() < a.width() { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// A concatenation holds a keyword if one item does, or if a run of
/// consecutive items can only spell strings that contain one (as
/// `(?i)api[_.-]?key` does: one-byte classes with an optional separator).
/// The items before and after it widen the reach by their longest length.
fn concat_reach(items: &[Hir], parts: &[Analysis], keywords: &[Vec<u8>]) -> Option<Reach> {
    let around = |start: usize, end: usize, inner: Reach| {
        Some(Reach {
            before: inner.before.widened_by(items[..start].iter().rev())?,
            after: inner.after.widened_by(items[end..].iter())?,
        })
    };
    let mut best = None;
    for (i, part) in parts.iter().enumerate() {
        if let Some(inner) = part.reach {
            best = tightest(best, around(i, i + 1, inner));
        }
    }
    // The parser factors a prefix that all branches of an alternation share
    // out of it (`dd(?:atadog|_app)`): put it back into each branch.
    for (i, item) in items.iter().enumerate() {
        let HirKind::Alternation(branches) = item.kind() else {
            continue;
        };
        let start = parts[..i]
            .iter()
            .rposition(|part| part.strings.is_none())
            .map_or(0, |last| last + 1);
        if start == i {
            continue;
        }
        let inner = Reach::of_every(branches.iter().map(|branch| {
            let joined = items[start..i].iter().chain([branch]).cloned().collect();
            analyse(&Hir::concat(joined), keywords).reach
        }));
        if let Some(inner) = inner {
            best = tightest(best, around(start, i + 1, inner));
        }
    }
    for start in 0..parts.len() {
        let mut product: Vec<Vec<u8>> = vec![Vec::new()];
        for (offset, part) in parts[start..].iter().enumerate() {
            let Some(next) = part
                .strings
                .as_ref()
                .and_then(|strings| concatenate(&product, strings))
            else {
                break;
            };
            product = next;
            if product.iter().all(|s| contains_keyword(s, keywords)) {
                let end = start + offset + 1;
                let spelled = Extent {
                    max_len: product.iter().map(Vec::len).max(),
                    one_line: !product.iter().any(|s| s.contains(&b'\n')),
                };
                let inner = Reach::within(spelled);
                best = tightest(best, inner.and_then(|inner| around(start, end, inner)));
                break;
            }
        }
    }
    best
}

/// `strings` repeated `min` to `max` times, if that stays small.
fn repeat(strings: &[Vec<u8>], min: u32, max: u32) -> Option<Vec<Vec<u8>>> {
    if max as usize > MAX_STRINGS {
        return None;
    }
    let mut all: Vec<Vec<u8>> = Vec::new();
    let mut power: Vec<Vec<u8>> = vec![Vec::new()];
    for count in 0..=max {
        if count >= min {
            all.extend(power.iter().cloned());
            if all.len() > MAX_STRINGS {
                return None;
            }
        }
        if count < max {
            power = concatenate(&power, strings)?;
        }
    }
    dedup(all)
}

/// The lower-cased bytes of a small class that matches single ASCII or
/// raw bytes only.
fn class_bytes(class: &Class) -> Option<Vec<u8>> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut add = |start: u32, end: u32| -> Option<()> {
        // Lower-casing at most halves the count: give up early on big classes.
        if bytes.len() + (end - start) as usize >= 2 * MAX_CLASS_BYTES {
            return None;
        }
        for b in start..=end {
            bytes.push((b as u8).to_ascii_lowercase());
        }
        Some(())
    };
    match class {
        Class::Bytes(class) => {
            for range in class.ranges() {
                add(u32::from(range.start()), u32::from(range.end()))?;
            }
        }
        Class::Unicode(class) => {
            for range in class.ranges() {
                // A non-ASCII character is several bytes, and Unicode case
                // folding (KELVIN SIGN for `k`) is not what the prefilter does.
                if !range.end().is_ascii() {
                    return None;
                }
                add(u32::from(range.start()), u32::from(range.end()))?;
            }
        }
    }
    bytes.sort_unstable();
    bytes.dedup();
    (bytes.len() <= MAX_CLASS_BYTES).then_some(bytes)
}

fn concatenate(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if left.len().saturating_mul(right.len()) > MAX_STRINGS {
        return None;
    }
    let mut out = Vec::with_capacity(left.len() * right.len());
    for l in left {
        for r in right {
            let mut s = l.clone();
            s.extend_from_slice(r);
            out.push(s);
        }
    }
    dedup(out)
}

fn dedup(mut strings: Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
    strings.sort_unstable();
    strings.dedup();
    (strings.len() <= MAX_STRINGS).then_some(strings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(pattern: &str, keywords: &[&str]) -> Option<Reach> {
        let keywords: Vec<Vec<u8>> = keywords.iter().map(|k| k.as_bytes().to_vec()).collect();
        keyword_reach(&parse(pattern).unwrap(), &keywords)
    }

    /// The byte bounds of a reach, before and after.
    fn bytes(reach: Option<Reach>) -> Option<(Option<usize>, Option<usize>)> {
        reach.map(|r| (r.before.bytes, r.after.bytes))
    }

    /// The line bounds of a reach, before and after.
    fn lines(reach: Option<Reach>) -> Option<(Option<usize>, Option<usize>)> {
        reach.map(|r| (r.before.beyond_line, r.after.beyond_line))
    }

    #[test]
    fn a_keyword_inside_every_match_is_proven() {
        let within = |before, after| Some((Some(before), Some(after)));
        assert_eq!(
            bytes(reach(r"\b(ghp_[A-Za-z0-9]{36})\b", &["ghp_"])),
            within(4, 40)
        );
        assert_eq!(
            bytes(reach(
                r"(?i)api[_.-]?key=(\w{8})",
                &["apikey", "api_key", "api-key", "api.key"]
            )),
            within(7, 16)
        );
        // The keyword at the end: the part before it widens `before` only.
        assert_eq!(
            bytes(reach(r"[a-z]{0,30}_(?:token)", &["token"])),
            within(36, 6)
        );
        assert_eq!(bytes(reach(r"(?:x_token){1,3}", &["token"])), within(7, 21));
        assert!(reach(r"(?i)passw(?:or)?d\s{0,3}=\s{0,3}(\w{8,20})", &["passw"]).is_some());
        // Every branch of an alternation needs its own keyword.
        assert!(reach(r"(?:AKIA|ASIA)[A-Z2-7]{16}", &["akia", "asia"]).is_some());
        assert!(reach(r"(?:AKIA|ABIA)[A-Z2-7]{16}", &["akia"]).is_none());
        // The generic assignment shape: keyword after a bounded identifier.
        assert!(
            reach(
                r#"(?i)(?:^|[^A-Za-z0-9])[A-Za-z0-9_.-]{0,30}(?:api[_.-]?key|secret|token|passw(?:or)?d)[A-Za-z0-9_.-]{0,20}\s{0,5}=\s{0,5}["']([A-Za-z0-9]{12,128})["']"#,
                &["key", "secret", "token", "passw"],
            )
            .is_some()
        );
    }

    #[test]
    fn a_value_without_a_length_limit_is_bounded_by_the_keyword_line() {
        // Unbounded after the keyword, but never across a line break.
        let unbounded = reach(r"\b(ya29\.[0-9A-Za-z_-]{50,})", &["ya29."]);
        assert_eq!(bytes(unbounded), Some((Some(5), None)));
        assert_eq!(lines(unbounded), Some((Some(0), Some(0))));
        // A final byte that may be the line break itself: one byte beyond.
        let ended = reach(r"key=[A-Za-z]{8,}(?:[^A-Za-z]|$)", &["key"]);
        assert_eq!(lines(ended), Some((Some(0), Some(1))));
        // Bounded whitespace that may cross lines keeps the byte bound only.
        let spaced = reach(r"key\s{0,3}=\s{0,3}([a-z]{8})", &["key"]);
        assert_eq!(bytes(spaced), Some((Some(3), Some(18))));
        assert_eq!(lines(spaced), Some((Some(0), Some(15))));
        // A repeated keyword part with no limit stays on its line.
        let repeated = reach(r"(?:key_[a-z]){2,}", &["key"]);
        assert_eq!(lines(repeated), Some((Some(0), Some(0))));
        // Both bounds lost: whitespace of any length, line breaks included.
        assert!(reach(r"key\s+([a-z]{8})", &["key"]).is_none());
        // Unbounded on the line before the keyword's.
        assert!(reach(r"[a-z]+\nkey", &["key"]).is_none());
    }

    #[test]
    fn a_prefix_the_parser_factors_out_of_an_alternation_still_counts() {
        // Parsed as `d(?:atadog[a-z]{0,9}|d_app)`: neither branch alone
        // holds a keyword.
        let factored = reach(
            r"(?:datadog[a-z]{0,9}|dd_app)=[a-f0-9]{8}",
            &["datadog", "dd_app"],
        );
        assert_eq!(bytes(factored), Some((Some(7), Some(25))));
    }

    #[test]
    fn unprovable_rules_fall_back_to_the_whole_blob() {
        // The keyword is context the match does not include.
        assert!(reach(r"\b([a-f0-9]{32})\b", &["heroku"]).is_none());
        // Optional keyword.
        assert!(reach(r"(?:token)?([a-f0-9]{32})", &["token"]).is_none());
        // Unbounded length.
        assert!(reach(r"-----BEGIN[\s\S]+?-----END", &["-----begin"]).is_none());
        // Unicode case folding matches what the ASCII prefilter would not.
        assert!(reach(r"(?iu)key=\w{4}", &["key"]).is_none());
        assert!(reach(r"key", &[]).is_none());
        assert!(reach(r"key", &[""]).is_none());
    }
}

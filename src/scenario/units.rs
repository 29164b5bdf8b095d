//! Units of scenario values and how they are spelled: durations (`90s`,
//! `1h30m`, `30d`), percents (`25%`, or a bare fraction `0.25`), CPU (`500m`,
//! `2`), memory (`128Mi`, `1G`, plain bytes) and Kubernetes int-or-percent.
//!
//! Parsers turn a scalar into the model's base unit (ms, fraction,
//! millicores, bytes) or say what was expected; formatters write a base value
//! back so that parsing the text gives the very same value (`render` relies on
//! it). Decimal numbers are scaled by moving the decimal point in the text,
//! not by float arithmetic, so `0.1%` is exactly the `f64` nearest 0.001.

use super::model::IntOrPercent;
use super::raw::Scalar;

/// Duration units, longest spelling first so `ms` is not read as `m`.
const DURATION_UNITS: [(&str, f64); 5] = [
    ("ms", 1.0),
    ("s", 1e3),
    ("m", 60e3),
    ("h", 3_600e3),
    ("d", 86_400e3),
];

/// Longest accepted duration (100 years), which keeps every parsed duration an
/// exact integer number of ms in an `f64`.
const MAX_DURATION_MS: f64 = 100.0 * 365.0 * 86_400e3;

/// Binary and decimal memory suffixes (Kubernetes quantities).
const MEMORY_SUFFIXES: [(&str, u64); 13] = [
    ("Ki", 1 << 10),
    ("Mi", 1 << 20),
    ("Gi", 1 << 30),
    ("Ti", 1 << 40),
    ("Pi", 1 << 50),
    ("Ei", 1 << 60),
    ("k", 1_000),
    ("K", 1_000),
    ("M", 1_000_000),
    ("G", 1_000_000_000),
    ("T", 1_000_000_000_000),
    ("P", 1_000_000_000_000_000),
    ("E", 1_000_000_000_000_000_000),
];

/// `expected WHAT, found VALUE`.
fn expected(what: &str, found: &Scalar) -> String {
    format!("expected {what}, found {found}")
}

/// A duration in ms from `90s`, `10m`, `1h30m`, `250ms`, `1.5h` or `30d`. A
/// bare number is refused: nobody can tell whether `90` means s or ms.
pub fn duration_ms(v: &Scalar) -> Result<f64, String> {
    match v {
        Scalar::Str(s) => parse_duration(s),
        Scalar::Num(_) => None,
    }
    .ok_or_else(|| match v {
        Scalar::Str(s) if parse_any_duration(s).is_some() => {
            expected("a duration of at most 100 years (36500d)", v)
        }
        _ => expected(r#"a duration with a unit like "90s", "10m" or "1h30m""#, v),
    })
}

/// Milliseconds: a plain number is ms, a string is a duration (`80ms`, `1s`).
pub fn millis(v: &Scalar) -> Result<f64, String> {
    match v {
        Scalar::Num(x) if *x >= 0.0 => Some(*x),
        Scalar::Str(s) => parse_duration(s),
        Scalar::Num(_) => None,
    }
    .ok_or_else(|| expected(r#"milliseconds like 80 or a duration like "80ms""#, v))
}

/// A share as a fraction: `25%`, or a bare fraction `0.25` (so `0.02` is 2%).
pub fn fraction(v: &Scalar) -> Result<f64, String> {
    match v {
        Scalar::Num(x) => Some(*x),
        Scalar::Str(s) => s.strip_suffix('%').and_then(|n| shifted(n, -2)),
    }
    .filter(|f| (0.0..=1.0).contains(f))
    .ok_or_else(|| {
        expected(
            r#"a percent from 0% to 100% like "25%" (or a fraction from 0 to 1 like 0.25)"#,
            v,
        )
    })
}

/// A share that may exceed the whole, as a fraction: `25%`, `250%`, or a
/// bare fraction `0.25` (an error-budget burn can be several budgets).
pub fn share(v: &Scalar) -> Result<f64, String> {
    match v {
        Scalar::Num(x) => Some(*x),
        Scalar::Str(s) => s.strip_suffix('%').and_then(|n| shifted(n, -2)),
    }
    .filter(|f| f.is_finite() && *f >= 0.0)
    .ok_or_else(|| {
        expected(
            r#"a percent of at least 0% like "25%" or "250%" (or a fraction like 0.25)"#,
            v,
        )
    })
}

/// CPU in millicores: `500m`, `2`, `0.5` (Kubernetes refuses finer than 1m).
pub fn cpu_millis(v: &Scalar) -> Result<u64, String> {
    match v {
        Scalar::Str(s) => match s.strip_suffix('m') {
            Some(n) => shifted(n, 0),
            None => shifted(s, 3),
        },
        Scalar::Num(x) => shifted(&x.to_string(), 3),
    }
    .and_then(whole)
    .ok_or_else(|| expected(r#"a CPU quantity like "500m", "2" or 0.5"#, v))
}

/// Memory in bytes: `128Mi`, `1Gi`, `512M`, or plain bytes. A fraction of a
/// byte rounds up, as Kubernetes does.
pub fn memory_bytes(v: &Scalar) -> Result<u64, String> {
    match v {
        // A negative size would round up to 0 below; it is refused.
        Scalar::Num(x) if *x < 0.0 => None,
        Scalar::Num(x) => Some(*x),
        Scalar::Str(s) => {
            let (number, unit) = MEMORY_SUFFIXES
                .iter()
                .find_map(|(suffix, unit)| s.strip_suffix(suffix).map(|n| (n, *unit)))
                .unwrap_or((s, 1));
            shifted(number, 0).map(|n| n * unit as f64)
        }
    }
    .and_then(|b| whole(b.ceil()))
    .ok_or_else(|| {
        expected(
            r#"a memory quantity like "128Mi", "1Gi", "512M" or bytes"#,
            v,
        )
    })
}

/// Kubernetes int-or-percent (`maxSurge`, `maxUnavailable`): `3` or `25%`.
pub fn int_or_percent(v: &Scalar) -> Result<IntOrPercent, String> {
    let whole_u32 = |x: f64| whole(x).and_then(|n| u32::try_from(n).ok());
    match v {
        Scalar::Num(x) => whole_u32(*x).map(IntOrPercent::Int),
        Scalar::Str(s) => s
            .strip_suffix('%')
            .filter(|n| !n.contains('.'))
            .and_then(|n| shifted(n, 0))
            .and_then(whole_u32)
            .map(IntOrPercent::Percent),
    }
    .ok_or_else(|| expected(r#"an integer or a percent like "25%""#, v))
}

/// Parses `1h30m`-style text into ms; `None` if it is not one or is longer
/// than 100 years.
fn parse_duration(text: &str) -> Option<f64> {
    parse_any_duration(text).filter(|&ms| ms <= MAX_DURATION_MS)
}

/// Parses `1h30m`-style text into ms, however long.
fn parse_any_duration(text: &str) -> Option<f64> {
    let mut rest = text;
    let mut total = 0.0;
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (number, tail) = rest.split_at(end);
        let value = shifted(number, 0)?;
        let (unit, ms) = DURATION_UNITS.iter().find(|(u, _)| tail.starts_with(u))?;
        total += value * ms;
        rest = &tail[unit.len()..];
    }
    (!text.is_empty()).then_some(total)
}

/// A non-negative integer-valued float as `u64`.
fn whole(x: f64) -> Option<u64> {
    (x >= 0.0 && x.fract() == 0.0 && x < u64::MAX as f64).then_some(x as u64)
}

/// An unsigned decimal (`12`, `1.25`) times 10^`places`, scaled exactly.
fn shifted(text: &str, places: i32) -> Option<f64> {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let well_formed = !int.is_empty() && digits(int) && digits(frac);
    if !well_formed || text.ends_with('.') {
        return None;
    }
    shift_point(int, frac, places).parse().ok()
}

/// Moves the decimal point of `int.frac` right by `places` (left if
/// negative) and drops needless zeros: ("0", "25", 2) gives "25".
fn shift_point(int: &str, frac: &str, places: i32) -> String {
    let digits = format!("{int}{frac}");
    let point = int.len() as i64 + i64::from(places);
    let text = if point <= 0 {
        format!("0.{}{digits}", "0".repeat(point.unsigned_abs() as usize))
    } else if point as usize >= digits.len() {
        format!("{digits}{}", "0".repeat(point as usize - digits.len()))
    } else {
        format!(
            "{}.{}",
            &digits[..point as usize],
            &digits[point as usize..]
        )
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    match text.trim_start_matches('0') {
        "" => "0".to_owned(),
        t if t.starts_with('.') => format!("0{t}"),
        t => t.to_owned(),
    }
}

/// A number as YAML reads it back to the same `f64` (`120`, `0.0316`, `1e300`).
pub fn format_number(x: f64) -> String {
    if x.is_nan() {
        ".nan".to_owned()
    } else if x.is_infinite() {
        if x > 0.0 { ".inf" } else { "-.inf" }.to_owned()
    } else if x.abs() >= 1e16 {
        format!("{x:?}") // Display would print all 17+ digits
    } else {
        x.to_string()
    }
}

/// A fraction as a percent: 0.25 gives `25%`, 0.001 gives `0.1%`.
pub fn format_percent(fraction: f64) -> String {
    let text = fraction.to_string(); // shortest text that reads back exactly
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    format!("{}%", shift_point(int, frac, 2))
}

/// Duration in ms as `30d`, `24h`, `1h30m`, `1m30s`, `250ms`, `1.5ms`.
pub fn format_duration(ms: f64) -> String {
    const DAY: u64 = 86_400_000;
    if ms.fract() != 0.0 || !(0.0..=MAX_DURATION_MS).contains(&ms) {
        return format!("{}ms", format_number(ms));
    }
    let mut rest = ms as u64;
    if rest == 0 {
        return "0s".to_owned();
    }
    // Days only from two days up: `24h` reads better than `1d`.
    if rest >= 2 * DAY && rest.is_multiple_of(DAY) {
        return format!("{}d", rest / DAY);
    }
    let mut out = String::new();
    for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1)] {
        if rest >= size {
            out += &format!("{}{unit}", rest / size);
            rest %= size;
        }
    }
    out
}

/// Millicores as `500m`, or whole cores as `2`.
pub fn format_cpu(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

/// Bytes with the suffix that gives the smallest whole number: `1Gi`, `512M`.
pub fn format_memory(bytes: u64) -> String {
    MEMORY_SUFFIXES
        .iter()
        .filter(|(_, unit)| bytes > 0 && bytes.is_multiple_of(*unit))
        .min_by_key(|(_, unit)| bytes / unit)
        .map_or_else(
            || bytes.to_string(),
            |(s, unit)| format!("{}{s}", bytes / unit),
        )
}

/// Kubernetes int-or-percent as written: `3` or `25%`.
pub fn format_int_or_percent(v: IntOrPercent) -> String {
    match v {
        IntOrPercent::Int(n) => n.to_string(),
        IntOrPercent::Percent(p) => format!("{p}%"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Scalar {
        Scalar::Str(text.to_owned())
    }

    #[test]
    fn durations() {
        let ok = [
            ("90s", 90e3),
            ("10m", 600e3),
            ("1h30m", 5_400e3),
            ("250ms", 250.0),
            ("30d", 2_592_000e3),
            ("1.5h", 5_400e3),
            ("0s", 0.0),
            ("1m30s250ms", 90_250.0),
        ];
        for (text, ms) in ok {
            assert_eq!(duration_ms(&s(text)), Ok(ms), "{text}");
        }
        for bad in [
            "10 minutes",
            "90",
            "",
            "1h30",
            "-5s",
            "5sec",
            "1.s",
            ".5s",
            "1e3s",
            "5S",
        ] {
            assert!(duration_ms(&s(bad)).is_err(), "{bad}");
        }
        let err = duration_ms(&Scalar::Num(90.0)).unwrap_err();
        assert!(err.contains("found 90"), "{err}");
        assert!(duration_ms(&s("99999999999d")).is_err());
    }

    #[test]
    fn millis_take_numbers_or_durations() {
        assert_eq!(millis(&Scalar::Num(80.0)), Ok(80.0));
        assert_eq!(millis(&s("80ms")), Ok(80.0));
        assert_eq!(millis(&s("1s")), Ok(1000.0));
        assert!(millis(&Scalar::Num(-1.0)).is_err());
        assert!(millis(&s("80")).is_err());
    }

    #[test]
    fn percents_are_exact() {
        assert_eq!(fraction(&s("25%")), Ok(0.25));
        assert_eq!(fraction(&s("0.1%")), Ok(0.001));
        assert_eq!(fraction(&s("99.9%")), Ok(0.999));
        assert_eq!(fraction(&s("100%")), Ok(1.0));
        assert_eq!(fraction(&s("0%")), Ok(0.0));
        assert_eq!(fraction(&Scalar::Num(0.02)), Ok(0.02));
        for bad in ["150%", "-5%", "25", "%", "abc%", "2 %", "1e1%", "nan%"] {
            assert!(fraction(&s(bad)).is_err(), "{bad}");
        }
        assert_eq!(share(&s("250%")), Ok(2.5));
        assert_eq!(share(&s("0.5%")), Ok(0.005));
        assert_eq!(share(&Scalar::Num(3.0)), Ok(3.0));
        for bad in ["-5%", "25", "abc%"] {
            assert!(share(&s(bad)).is_err(), "{bad}");
        }
        assert!(share(&Scalar::Num(-0.1)).is_err());
        assert!(share(&Scalar::Num(f64::NAN)).is_err());
        let err = fraction(&Scalar::Num(40.0)).unwrap_err();
        assert!(err.contains("0.25") && err.ends_with("found 40"), "{err}");
    }

    #[test]
    fn quantities() {
        assert_eq!(cpu_millis(&s("500m")), Ok(500));
        assert_eq!(cpu_millis(&s("2")), Ok(2000));
        assert_eq!(cpu_millis(&Scalar::Num(0.5)), Ok(500));
        assert_eq!(cpu_millis(&Scalar::Num(8.0)), Ok(8000));
        for bad in ["5 cores", "0.5m", "-1", "1e3", ""] {
            assert!(cpu_millis(&s(bad)).is_err(), "{bad}");
        }
        assert_eq!(memory_bytes(&s("128Mi")), Ok(128 << 20));
        assert_eq!(memory_bytes(&s("1Gi")), Ok(1 << 30));
        assert_eq!(memory_bytes(&s("1.5Gi")), Ok(3 << 29));
        assert_eq!(memory_bytes(&s("512M")), Ok(512_000_000));
        assert_eq!(memory_bytes(&s("2k")), Ok(2000));
        assert_eq!(memory_bytes(&s("1000")), Ok(1000));
        assert_eq!(memory_bytes(&Scalar::Num(1e6)), Ok(1_000_000));
        for bad in ["1GB", "-1Gi", "1 Gi", "Gi", "1m"] {
            assert!(memory_bytes(&s(bad)).is_err(), "{bad}");
        }
        assert!(memory_bytes(&Scalar::Num(-5.0)).is_err());
        assert!(memory_bytes(&s("100000Ei")).is_err(), "overflow");
    }

    #[test]
    fn int_or_percent_values() {
        assert_eq!(int_or_percent(&Scalar::Num(3.0)), Ok(IntOrPercent::Int(3)));
        assert_eq!(int_or_percent(&s("25%")), Ok(IntOrPercent::Percent(25)));
        assert_eq!(int_or_percent(&s("150%")), Ok(IntOrPercent::Percent(150)));
        for bad in ["abc", "3", "2.5%", "-1%", "%"] {
            assert!(int_or_percent(&s(bad)).is_err(), "{bad}");
        }
        assert!(int_or_percent(&Scalar::Num(2.5)).is_err());
        assert!(int_or_percent(&Scalar::Num(-1.0)).is_err());
        assert_eq!(
            int_or_percent(&s("abc")).unwrap_err(),
            r#"expected an integer or a percent like "25%", found "abc""#
        );
    }

    #[test]
    fn formats_read_back_exactly() {
        for f in [0.25, 0.001, 0.999, 1.0, 0.0, 0.0316, 1e-9, 0.1 + 0.2] {
            assert_eq!(fraction(&s(&format_percent(f))), Ok(f), "{f}");
        }
        for f in [2.5, 1.2345, 40.0] {
            assert_eq!(share(&s(&format_percent(f))), Ok(f), "{f}");
        }
        assert_eq!(format_percent(0.001), "0.1%");
        assert_eq!(format_percent(0.25), "25%");
        for ms in [
            0.0,
            250.0,
            90e3,
            5_400e3,
            2_592_000e3,
            1.5,
            90_061_001.0,
            0.1,
        ] {
            assert_eq!(duration_ms(&s(&format_duration(ms))), Ok(ms), "{ms}");
        }
        assert_eq!(format_duration(90e3), "1m30s");
        assert_eq!(format_duration(2_592_000e3), "30d");
        assert_eq!(format_duration(86_400e3), "24h");
        assert_eq!(format_duration(5_400e3), "1h30m");
        for b in [0, 1000, 1 << 30, 512_000_000, 3 << 29, 12345] {
            assert_eq!(memory_bytes(&s(&format_memory(b))), Ok(b), "{b}");
        }
        assert_eq!(format_memory(1 << 30), "1Gi");
        assert_eq!(format_memory(512_000_000), "512M");
        assert_eq!(format_cpu(500), "500m");
        assert_eq!(format_cpu(2000), "2");
        assert_eq!(format_number(120.0), "120");
        assert_eq!(format_number(1e300), "1e300");
    }
}

//! Numbers as a person reads them, shared by every text output: counts
//! with thousands separators, durations in the unit that fits, percents
//! with the precision that matters.

/// A count or amount: `16,500`, `120`, `8.5`, `0.43`.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return "—".to_owned();
    }
    if x.abs() >= 100.0 {
        return thousands(x.round());
    }
    let decimals = if x.abs() >= 1.0 { 1 } else { 2 };
    trim(format!("{x:.decimals$}"))
}

/// A whole number with thousands separators: `1,234,567`.
pub fn thousands(x: f64) -> String {
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    if x < 0.0 { format!("-{out}") } else { out }
}

/// Drops trailing zeros of a decimal: `3.0` → `3`, `0.50` → `0.5`.
pub fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A fraction as a percent: `53%`, `7.4%`, `0.61%`.
pub fn percent(f: f64) -> String {
    let p = f * 100.0;
    match p {
        0.0 => "0%".to_owned(),
        p if p >= 10.0 => format!("{}%", thousands(p.round())),
        p if p >= 1.0 => format!("{}%", trim(format!("{p:.1}"))),
        p if p >= 0.01 => format!("{}%", trim(format!("{p:.2}"))),
        _ => "< 0.01%".to_owned(),
    }
}

/// A share with its 95% interval, one decimal (two under 1%) so the bounds
/// stay apart near 0 and 100%: `80.3% (95% CI 79–81.6%)`,
/// `0.64% (95% CI 0.5–0.83%)`, `100% (95% CI 99.9–100%)`.
pub fn share_ci(share: f64, ci: [f64; 2]) -> String {
    let p = |f: f64| {
        let p = f * 100.0;
        let decimals = if p < 1.0 { 2 } else { 1 };
        trim(format!("{p:.decimals$}"))
    };
    format!("{}% (95% CI {}–{}%)", p(share), p(ci[0]), p(ci[1]))
}

/// Seconds as `90 s`, `12 min`, `1.5 h`.
pub fn seconds(s: f64) -> String {
    match s {
        s if s < 120.0 => format!("{} s", number(s)),
        s if s < 3600.0 => format!("{} min", (s / 60.0).round()),
        s => format!("{} h", trim(format!("{:.1}", s / 3600.0))),
    }
}

/// A ratio as `1.02×`, `2×`, `3.3×`, `14×`.
pub fn times(r: f64) -> String {
    if r < 1.95 {
        // Just over a limit: 1.02×, not a bare 1×.
        format!("{}×", trim(format!("{r:.2}")))
    } else if r < 10.0 {
        format!("{}×", trim(format!("{r:.1}")))
    } else {
        format!("{}×", thousands(r.round()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_easily() {
        assert_eq!(number(16_500.0), "16,500");
        assert_eq!(number(1_234_567.4), "1,234,567");
        assert_eq!(number(120.4), "120");
        assert_eq!(number(8.04), "8");
        assert_eq!(number(0.426), "0.43");
        assert_eq!(seconds(90.0), "90 s");
        assert_eq!(seconds(720.0), "12 min");
        assert_eq!(seconds(5400.0), "1.5 h");
        assert_eq!(percent(0.25), "25%");
        assert_eq!(percent(0.074), "7.4%");
        assert_eq!(percent(0.0061), "0.61%");
        assert_eq!(percent(2.5), "250%");
        assert_eq!(times(3.3), "3.3×");
        assert_eq!(times(2.0), "2×");
        assert_eq!(times(1.02), "1.02×");
        assert_eq!(times(41.2), "41×");
    }
}

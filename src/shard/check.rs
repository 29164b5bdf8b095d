//! Whether a shard's numbers agree with each other and with its scenario
//! (`merge` refuses one that does not): the arithmetic every shard deploysim
//! writes satisfies, checked before any shard is added to another.

use super::*;

/// The shard's numbers agree with each other and with its scenario, as in
/// every shard deploysim writes: a shard whose numbers contradict
/// themselves was edited or damaged. Each stratum ends only in outcomes its
/// releases can end in and its metrics' counts and sums are ones its trials
/// can give ([`check_stratum`]); every strategy of a point met the same
/// releases ([`check_same_releases`]); a run's strategies, weight of bad
/// releases and bad trials are what its scenario says ([`check_scenario`]).
/// Outcome and metric names other than this build's are left to the
/// decoding ([`decode_stratum`]), which refuses them.
pub(super) fn check_arithmetic(s: &Loaded) -> Result<(), Error> {
    arithmetic_fault(&s.file)
        .map_err(|why| Error::Merge(format!("{}: damaged shard file: {why}", s.path.display())))
}

/// The first contradiction in `f`, as the field it is at and what is wrong.
fn arithmetic_fault(f: &ShardFile) -> Result<(), String> {
    let sc = match &f.scenario_yaml {
        Some(yaml) => Some(
            scenario::parse(yaml, "scenario_yaml").map_err(|e| format!("scenario_yaml: {e}"))?,
        ),
        None => None,
    };
    if let Some(sc) = &sc
        && sc.name != f.scenario
    {
        return Err(format!(
            "scenario: {:?}, but its scenario_yaml is of {:?}",
            f.scenario, sc.name
        ));
    }
    for (p, point) in f.points.iter().enumerate() {
        let at = format!("points[{p}]");
        for (k, rec) in point.strategies.iter().enumerate() {
            check_total(rec, f.trials, &format!("{at}.strategies[{k}]"))?;
            for bad in [false, true] {
                let at = format!("{at}.strategies[{k}].{}", stratum_key(bad));
                check_stratum(stratum_of(rec, bad), bad, &at)?;
            }
        }
        check_same_releases(point, &at)?;
        if let Some(sc) = &sc {
            check_scenario(sc, f, point, &at)?;
        }
    }
    Ok(())
}

/// A strategy's record of its bad releases' trials (`bad`) or its good ones'.
fn stratum_of(rec: &StrategyRecord, bad: bool) -> &StratumRecord {
    if bad { &rec.bad } else { &rec.good }
}

/// The key of a stratum's record: `good` or `bad`.
fn stratum_key(bad: bool) -> &'static str {
    if bad { "bad" } else { "good" }
}

/// A strategy's strata hold the shard's trials, each once (added up with
/// checked arithmetic: a damaged count may be as large as u64::MAX).
fn check_total(rec: &StrategyRecord, trials: u64, at: &str) -> Result<(), String> {
    let count = |st: &StratumRecord| {
        st.outcomes
            .values()
            .try_fold(0u64, |total, &n| total.checked_add(n))
    };
    let total = count(&rec.good)
        .zip(count(&rec.bad))
        .and_then(|(good, bad)| good.checked_add(bad));
    match total {
        Some(total) if total == trials => Ok(()),
        Some(total) => Err(format!(
            "{at} ({}): outcomes add up to {total} trials, not {trials}",
            rec.name
        )),
        None => Err(format!(
            "{at} ({}): outcomes add up past {}",
            rec.name,
            u64::MAX
        )),
    }
}

/// The stratum's outcome counts, when its outcomes are this build's.
fn outcome_counts(rec: &StratumRecord) -> Option<PerOutcome<u64>> {
    let counts = PerOutcome::try_from_fn(|o| rec.outcomes.get(o.name()).copied().ok_or(()));
    counts.ok().filter(|_| rec.outcomes.len() == Outcome::COUNT)
}

/// The stratum's metric records with their metrics, when they are this
/// build's metrics in order.
fn metric_records(recs: &[StatRecord]) -> Option<Vec<(Metric, &StatRecord)>> {
    let names = recs.iter().map(|r| r.metric.as_str());
    names
        .eq(Metric::ALL.map(Metric::name))
        .then(|| Metric::ALL.into_iter().zip(recs).collect())
}

/// A stratum's trials (of bad releases when `bad`) end only in outcomes
/// such trials can end in ([`Outcome::possible_for`]), and each of its
/// metrics agrees with them ([`check_metric`]).
fn check_stratum(rec: &StratumRecord, bad: bool, at: &str) -> Result<(), String> {
    let Some(outcomes) = outcome_counts(rec) else {
        return Ok(());
    };
    let release = stratum_key(bad);
    if let Some((o, n)) = outcomes
        .iter()
        .find(|&(o, &n)| n > 0 && !o.possible_for(bad))
    {
        return Err(format!(
            "{at}.outcomes.{name}: {n}, but no trial of a {release} release ends in {name}",
            name = o.name()
        ));
    }
    // At most the shard's trials (see `check_total`): no overflow.
    let trials: u64 = outcomes.values().iter().sum();
    let metrics = metric_records(&rec.metrics).unwrap_or_default();
    for (i, (m, st)) in metrics.into_iter().enumerate() {
        let at = format!("{at}.metrics[{i}] ({})", m.name());
        check_metric(m, st, trials, bad).map_err(|why| format!("{at}: {why}"))?;
    }
    Ok(())
}

/// A metric of a stratum of `trials` trials (of bad releases when `bad`)
/// counts a value for every trial when every trial has one
/// ([`Metric::in_every_trial`]), none for good releases when only bad ones
/// have it ([`Metric::bad_releases_only`]), never more than the trials; and
/// its sums agree with its count, min and max ([`check_sums`]).
fn check_metric(m: Metric, rec: &StatRecord, trials: u64, bad: bool) -> Result<(), String> {
    let c = rec.count;
    if c > trials {
        return Err(format!("{c} values from {trials} trials"));
    }
    if m.in_every_trial() && c != trials {
        return Err(format!(
            "{c} values from {trials} trials, but every trial has one"
        ));
    }
    if m.bad_releases_only() && !bad && c > 0 {
        return Err(format!(
            "{c} values, but only a trial of a bad release has one"
        ));
    }
    check_sums(rec)
}

/// A metric's sum and sum of squares are ones `count` values from `min` to
/// `max` can have. The values are integers (scaled, see the module
/// documentation), so every bound is exact: `count·min ≤ sum ≤ count·max`
/// (the mean within min and max); `sum² ≤ count·sum_sq` (Cauchy–Schwarz);
/// and `sum_sq ≤ (min + max)·sum − count·min·max`, the sum over the values
/// of `(v − min)·(max − v) ≥ 0` (which gives `sum_sq ≤ count·max²`).
fn check_sums(rec: &StatRecord) -> Result<(), String> {
    let (sum, sum_sq) = (decimal("sum", &rec.sum)?, decimal("sum_sq", &rec.sum_sq)?);
    let (c, min, max) = (
        u128::from(rec.count),
        u128::from(rec.min),
        u128::from(rec.max),
    );
    if c == 0 {
        return if sum == 0 && sum_sq == 0 {
            Ok(())
        } else {
            Err(format!("no values, but sum {sum} and sum_sq {sum_sq}"))
        };
    }
    if min > max {
        return Err(format!("min {min} is above max {max}"));
    }
    let mean = figure(sum as f64 / c as f64);
    if sum < c * min {
        return Err(format!("mean {mean} is below min {min}"));
    }
    if sum > c * max {
        return Err(format!("mean {mean} is above max {max}"));
    }
    if U256::mul(sum, sum) > U256::mul(c, sum_sq) {
        let least = figure(sum as f64 * sum as f64 / c as f64);
        return Err(format!(
            "sum_sq {sum_sq} is below sum²/count = {least}, the least {c} values of sum {sum} have"
        ));
    }
    let most = U256::mul(min + max, sum).minus(U256::mul(c * min, max));
    if U256::mul(1, sum_sq) > most {
        // Below sum_sq, so within 128 bits.
        return Err(format!(
            "sum_sq {sum_sq} is above {}, the most {c} values from {min} to {max} of sum {sum} have",
            most.1
        ));
    }
    Ok(())
}

/// A ratio of the sums, for a message: exponent notation past 15 digits.
fn figure(x: f64) -> String {
    if x >= 1e15 {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// Every strategy of a point met the same releases (trial i's release is
/// drawn once for every strategy): each has as many trials in each stratum.
fn check_same_releases(point: &PointRecord, at: &str) -> Result<(), String> {
    let trials = |rec: &StrategyRecord, bad: bool| {
        outcome_counts(stratum_of(rec, bad)).map(|o| o.values().iter().sum::<u64>())
    };
    let Some(first) = point.strategies.first() else {
        return Ok(());
    };
    for bad in [false, true] {
        let Some(want) = trials(first, bad) else {
            continue;
        };
        for (k, rec) in point.strategies.iter().enumerate().skip(1) {
            match trials(rec, bad) {
                Some(n) if n != want => {
                    let key = stratum_key(bad);
                    return Err(format!(
                        "{at}.strategies[{k}].{key}.outcomes: {n} trials, but strategies[0].{key} has {want}: every strategy meets the same releases"
                    ));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// A run's point is what its scenario says: each strategy is one of the
/// scenario's, of its type; bad releases weigh what the scenario's
/// sampling gives them; and when the sampling fixes each trial's release,
/// each strategy has that many trials of bad releases
/// ([`Strata::bad_trials`]).
fn check_scenario(
    sc: &Scenario,
    f: &ShardFile,
    point: &PointRecord,
    at: &str,
) -> Result<(), String> {
    for (k, rec) in point.strategies.iter().enumerate() {
        let at = format!("{at}.strategies[{k}] ({})", rec.name);
        let Some(theirs) = sc.strategies.iter().find(|s| s.name == rec.name) else {
            let known: Vec<&str> = sc.strategies.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "{at}: no such strategy in its scenario, which has: {}",
                known.join(", ")
            ));
        };
        let kind = theirs.kind.type_name();
        if rec.kind != kind {
            return Err(format!(
                "{at}: type {}, but its scenario's {} is a {kind}",
                rec.kind, rec.name
            ));
        }
    }
    let strata = Strata::of(sc);
    let or_null = |w: Option<f64>| w.map_or("null".to_owned(), |w| w.to_string());
    if point.bad_weight != strata.bad_weight() {
        return Err(format!(
            "{at}.bad_weight: {}, but its scenario weighs bad releases {}",
            or_null(point.bad_weight),
            or_null(strata.bad_weight())
        ));
    }
    let Some(shard) = Shard::new(f.shard.index, f.shard.count) else {
        return Ok(());
    };
    let Some(want) = strata.bad_trials(shard, f.runs) else {
        return Ok(());
    };
    for (k, rec) in point.strategies.iter().enumerate() {
        let Some(n) = outcome_counts(&rec.bad).map(|o| o.values().iter().sum::<u64>()) else {
            continue;
        };
        if n != want {
            return Err(format!(
                "{at}.strategies[{k}].bad.outcomes: {n} trials, but {want} of shard {shard}'s trials of {} carry a bad release by its scenario's sampling",
                f.runs
            ));
        }
    }
    Ok(())
}

/// Adding the shards' statistics up stays within their integers' range:
/// checked, since each shard can be sound and their sums still wrap.
/// `shards` are in index order; the shard that passes the range is named.
pub(super) fn check_totals_fit(shards: &[Loaded]) -> Result<(), Error> {
    let first = &shards[0].file;
    for (p, point) in first.points.iter().enumerate() {
        for k in 0..point.strategies.len() {
            for bad in [false, true] {
                let ours = stratum_of(&point.strategies[k], bad);
                for (i, rec) in ours.metrics.iter().enumerate() {
                    let at = format!(
                        "points[{p}].strategies[{k}].{}.metrics[{i}] ({})",
                        stratum_key(bad),
                        rec.metric
                    );
                    let records = shards.iter().map(|s| {
                        let theirs = stratum_of(&s.file.points[p].strategies[k], bad);
                        (s, theirs.metrics.get(i))
                    });
                    add_up(records, &at)?;
                }
            }
        }
    }
    Ok(())
}

/// Adds one metric's count, sum and sum_sq over the shards' `records` (in
/// index order), with checked arithmetic, as [`Stat::merge`] will not.
fn add_up<'a>(
    records: impl Iterator<Item = (&'a Loaded, Option<&'a StatRecord>)>,
    at: &str,
) -> Result<(), Error> {
    let mut total = [0u128; 3];
    for (s, rec) in records {
        let Some(rec) = rec else {
            continue;
        };
        let fault = |why: String| {
            Error::Merge(format!(
                "{}: damaged shard file: {at}: {why}",
                s.path.display()
            ))
        };
        let parts = [
            ("count", u128::from(rec.count), u128::from(u64::MAX)),
            ("sum", decimal("sum", &rec.sum).map_err(fault)?, u128::MAX),
            (
                "sum_sq",
                decimal("sum_sq", &rec.sum_sq).map_err(fault)?,
                u128::MAX,
            ),
        ];
        for (t, (what, value, limit)) in total.iter_mut().zip(parts) {
            *t = t
                .checked_add(value)
                .filter(|&sum| sum <= limit)
                .ok_or_else(|| {
                    fault(format!(
                        "its {what} {value} and the earlier shards' {t} add up past {limit}"
                    ))
                })?;
        }
    }
    Ok(())
}

/// An unsigned integer of 256 bits, its high and low halves: wide enough
/// for the products [`check_sums`] compares (`sum²` reaches 2^250).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct U256(u128, u128);

impl U256 {
    /// `a·b`, exactly.
    fn mul(a: u128, b: u128) -> U256 {
        const LOW: u128 = u64::MAX as u128;
        let (a1, a0, b1, b0) = (a >> 64, a & LOW, b >> 64, b & LOW);
        let (low, cross1, cross2, high) = (a0 * b0, a0 * b1, a1 * b0, a1 * b1);
        let mid = (low >> 64) + (cross1 & LOW) + (cross2 & LOW);
        U256(
            high + (cross1 >> 64) + (cross2 >> 64) + (mid >> 64),
            (mid << 64) | (low & LOW),
        )
    }

    /// `self − b`, or 0 when `b` is larger.
    fn minus(self, b: U256) -> U256 {
        if b > self {
            return U256(0, 0);
        }
        let (low, borrow) = self.1.overflowing_sub(b.1);
        U256(self.0 - b.0 - u128::from(borrow), low)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_products_are_exact() {
        assert_eq!(U256::mul(0, u128::MAX), U256(0, 0));
        assert_eq!(U256::mul(1 << 64, 1 << 64), U256(1, 0));
        assert_eq!(U256::mul(u128::MAX, u128::MAX), U256(u128::MAX - 1, 1));
        assert_eq!(U256::mul(u128::MAX, 2), U256(1, u128::MAX - 1));
        assert_eq!(U256(1, 0).minus(U256(0, 1)), U256(0, u128::MAX));
        assert_eq!(U256(0, 1).minus(U256(0, 2)), U256(0, 0));
    }

    #[test]
    fn sums_within_the_bounds_of_their_values() {
        let mut st = Stat::new(1000.0);
        for v in [0.0, 0.25, 3.0, 1e6, 1e6] {
            st.add(v);
        }
        let rec = stat_record("failed_requests", &st).expect("encodes");
        assert_eq!(check_sums(&rec), Ok(()));
        let with = |sum: u128, sum_sq: u128| {
            let mut r = rec.clone();
            (r.sum, r.sum_sq) = (sum.to_string(), sum_sq.to_string());
            check_sums(&r)
        };
        let (sum, sum_sq) = (
            decimal("", &rec.sum).unwrap(),
            decimal("", &rec.sum_sq).unwrap(),
        );
        // Cauchy–Schwarz: 5·sum_sq ≥ sum²; at most (min + max)·sum − 5·min·max.
        let least = (sum * sum).div_ceil(5);
        assert!(with(sum, least).is_ok() && with(sum, least - 1).is_err());
        assert!(with(sum, 1_000_000_000 * sum).is_ok());
        assert!(with(sum, 1_000_000_000 * sum + 1).is_err());
        assert!(with(5 * 1_000_000_000 + 1, sum_sq).is_err());
        let mut empty = stat_record("failed_requests", &Stat::new(1000.0)).expect("encodes");
        assert_eq!(check_sums(&empty), Ok(()));
        empty.sum_sq = "1".into();
        assert!(check_sums(&empty).is_err());
    }
}

//! Axes plotters does not have in the form the figures need: a value axis
//! that is linear or log10 with ticks at whole decades, and a categorical
//! axis of named slots (strategies, swept values).

use std::ops::Range;

use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;

use super::theme::fmt_num;

/// A numeric axis, linear or log10. Tick labels read as [`fmt_num`].
#[derive(Clone)]
pub(super) enum ValueAxis {
    /// Linear from `start` to `end`, ticks at round numbers.
    Linear(RangedCoordf64),
    /// Log10 from `lo` to `hi` (both > 0), ticks at powers of ten; values
    /// at or below `lo`, zero included, sit at the low edge.
    Log { lo: f64, hi: f64 },
}

impl ValueAxis {
    /// A linear axis over `range`, widened to one unit if it is empty.
    pub fn linear(range: Range<f64>) -> Self {
        let Range { start, end } = range;
        let end = if end > start { end } else { start + 1.0 };
        ValueAxis::Linear((start..end).into())
    }

    /// The log10 position of `v` between the ends, 0..=1.
    fn log_fraction(lo: f64, hi: f64, v: f64) -> f64 {
        let (a, b) = (lo.log10(), hi.log10());
        let x = if v > lo { v.log10().min(b) } else { a };
        (x - a) / (b - a)
    }
}

impl Ranged for ValueAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        match self {
            ValueAxis::Linear(r) => r.map(v, limit),
            ValueAxis::Log { lo, hi } => {
                let f = Self::log_fraction(*lo, *hi, *v);
                limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
            }
        }
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        match self {
            ValueAxis::Linear(r) => r.key_points(hint),
            ValueAxis::Log { lo, hi } => log_ticks(*lo, *hi, hint),
        }
    }

    fn range(&self) -> Range<f64> {
        match self {
            ValueAxis::Linear(r) => r.range(),
            ValueAxis::Log { lo, hi } => *lo..*hi,
        }
    }
}

impl ValueFormatter<f64> for ValueAxis {
    fn format_ext(&self, v: &f64) -> String {
        fmt_num(*v)
    }
}

/// Ticks of a log axis: the powers of ten between `lo` and `hi` (every
/// other one past ten decades) for labels, and 2…9 × each power for light
/// grid lines when they fit.
fn log_ticks<H: KeyPointHint>(lo: f64, hi: f64, hint: H) -> Vec<f64> {
    let first = lo.log10().ceil() as i32;
    let last = hi.log10().floor() as i32;
    let decades: Vec<i32> = (first..=last).collect();
    let max = hint.max_num_points().max(2);
    if !hint.weight().allow_light_points() {
        let step = decades.len().div_ceil(max).max(1);
        return decades
            .iter()
            .step_by(step)
            .map(|&k| 10f64.powi(k))
            .collect();
    }
    let minor: Vec<f64> = (first - 1..=last)
        .flat_map(|k| (1..10).map(move |m| f64::from(m) * 10f64.powi(k)))
        .filter(|v| (lo..=hi).contains(v))
        .collect();
    if minor.len() <= max {
        minor
    } else {
        Vec::new()
    }
}

/// A categorical axis: slot `i` is centred on the value `i` and one unit
/// wide, labelled `labels[i]`. With `top_down`, slot 0 is at the top (rows
/// of a table); otherwise at the left.
#[derive(Clone, Debug)]
pub(super) struct Slots {
    labels: Vec<String>,
    top_down: bool,
}

impl Slots {
    /// Slots left to right.
    pub fn across(labels: Vec<String>) -> Self {
        Slots {
            labels,
            top_down: false,
        }
    }

    /// Slots top to bottom.
    pub fn down(labels: Vec<String>) -> Self {
        Slots {
            labels,
            top_down: true,
        }
    }

    fn len(&self) -> usize {
        self.labels.len().max(1)
    }
}

impl Ranged for Slots {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let f = (v + 0.5) / self.len() as f64;
        let f = if self.top_down { 1.0 - f } else { f };
        limit.0 + (f * f64::from(limit.1 - limit.0)).round() as i32
    }

    /// Every slot, or every k-th one when they do not all fit; none for
    /// light grid lines.
    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            return Vec::new();
        }
        let step = self.labels.len().div_ceil(hint.max_num_points().max(1));
        (0..self.labels.len())
            .step_by(step.max(1))
            .map(|i| i as f64)
            .collect()
    }

    fn range(&self) -> Range<f64> {
        -0.5..self.len() as f64 - 0.5
    }
}

impl ValueFormatter<f64> for Slots {
    fn format_ext(&self, v: &f64) -> String {
        let i = v.round();
        if i >= 0.0 && (i as usize) < self.labels.len() {
            self.labels[i as usize].clone()
        } else {
            String::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use plotters::coord::ranged1d::{BoldPoints, LightPoints};

    use super::*;

    #[test]
    fn log_axis_labels_whole_decades_and_puts_zero_at_the_edge() {
        let axis = ValueAxis::Log { lo: 0.3, hi: 5e4 };
        assert_eq!(
            axis.key_points(BoldPoints(10)),
            vec![1.0, 10.0, 100.0, 1e3, 1e4]
        );
        assert_eq!(axis.map(&0.0, (0, 100)), 0);
        assert_eq!(axis.map(&0.3, (0, 100)), 0);
        assert_eq!(axis.map(&5e4, (0, 100)), 100);
        assert!(axis.key_points(LightPoints::new(10, 100)).contains(&200.0));
    }

    #[test]
    fn slots_centre_each_label_and_can_run_top_down() {
        let down = Slots::down(vec!["a".into(), "b".into()]);
        assert_eq!(down.map(&0.0, (100, 0)), 25);
        assert_eq!(down.map(&1.0, (100, 0)), 75);
        assert_eq!(down.format_ext(&1.0), "b");
        assert_eq!(down.format_ext(&2.0), "");
        let across = Slots::across((0..20).map(|i| i.to_string()).collect());
        assert_eq!(across.key_points(BoldPoints(10)).len(), 10);
    }
}

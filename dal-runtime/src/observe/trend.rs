//! Trend-based warm-up: from recent samples of connections in use, the demand expected a
//! little ahead, so the pool can open connections before they are asked for. A least-squares
//! line over the samples; no model beyond that.

use std::collections::VecDeque;

/// Samples kept (one per maintenance tick).
const SAMPLES: usize = 10;
/// How many ticks ahead the forecast looks.
const AHEAD: f64 = 5.0;

#[derive(Debug, Default)]
pub(crate) struct DemandTrend {
    samples: VecDeque<f64>,
}

impl DemandTrend {
    /// Adds a sample of connections in use (plus waiters).
    pub(crate) fn sample(&mut self, demand: u32) {
        if self.samples.len() == SAMPLES {
            self.samples.pop_front();
        }
        self.samples.push_back(f64::from(demand));
    }

    /// Connections the trend expects to be needed `AHEAD` ticks from now, when demand is
    /// rising; `None` while it is flat or falling or there are too few samples.
    pub(crate) fn forecast(&self) -> Option<u32> {
        let n = self.samples.len();
        if n < 4 {
            return None;
        }
        let nf = n as f64;
        let mean_x = (nf - 1.0) / 2.0;
        let mean_y = self.samples.iter().sum::<f64>() / nf;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for (i, y) in self.samples.iter().enumerate() {
            let dx = i as f64 - mean_x;
            sxy += dx * (y - mean_y);
            sxx += dx * dx;
        }
        let slope = sxy / sxx;
        if slope <= 0.05 {
            return None;
        }
        let last = mean_y + slope * (nf - 1.0 - mean_x);
        Some((last + slope * AHEAD).ceil().max(0.0) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rising_demand_is_forecast_ahead_and_flat_demand_is_not() {
        let mut rising = DemandTrend::default();
        for d in [1, 2, 3, 4, 5, 6] {
            rising.sample(d);
        }
        assert_eq!(rising.forecast(), Some(11));
        let mut flat = DemandTrend::default();
        for _ in 0..10 {
            flat.sample(4);
        }
        assert_eq!(flat.forecast(), None);
        let mut falling = DemandTrend::default();
        for d in [9, 8, 7, 6, 5] {
            falling.sample(d);
        }
        assert_eq!(falling.forecast(), None);
        let mut few = DemandTrend::default();
        few.sample(1);
        few.sample(9);
        assert_eq!(few.forecast(), None);
    }
}

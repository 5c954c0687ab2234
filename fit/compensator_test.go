package fit

import (
	"context"
	"math"
	"testing"
)

// naiveCompensator is SPEC section 2's compensator term transcribed
// literally: sum over events t_i < t (t_i <= T) of
// kappa m_i^beta / theta (c^-theta - (c + t - t_i)^-theta).
func naiveCompensator(times, mags []float64, T float64, p Params, t float64) float64 {
	var s float64
	for i, ti := range times {
		if ti > T || ti >= t {
			break
		}
		if mags[i] == 0 {
			continue
		}
		s += p.Kappa * math.Pow(mags[i], p.Beta) / p.Theta * (math.Pow(p.C, -p.Theta) - math.Pow(p.C+t-ti, -p.Theta))
	}
	return s
}

// TestCompensatorThreeEvents checks the compensator against its closed form
// on a hand-made cascade of three events, at the event times (the rescaled
// times of the time-rescaling theorem), between them and after the window.
func TestCompensatorThreeEvents(t *testing.T) {
	times := []float64{0, 2, 5}
	mags := []float64{100, 10, 1000}
	p := Params{Kappa: 0.05, Beta: 0.5, C: 3, Theta: 0.8}
	T := 10.0
	// Closed form: Lambda(t) = sum_{t_i < t} kappa m_i^beta/theta (c^-theta - (c+t-t_i)^-theta).
	term := func(m, lag float64) float64 {
		return 0.05 * math.Sqrt(m) / 0.8 * (math.Pow(3, -0.8) - math.Pow(3+lag, -0.8))
	}
	at := []float64{0, 1, 2, 5, 7.5, 10, 20}
	want := []float64{
		0,
		term(100, 1),
		term(100, 2),
		term(100, 5) + term(10, 3),
		term(100, 7.5) + term(10, 5.5) + term(1000, 2.5),
		term(100, 10) + term(10, 8) + term(1000, 5),
		term(100, 20) + term(10, 18) + term(1000, 15),
	}
	got := Compensator(times, mags, T, PowerLaw(p), at, nil)
	for i := range at {
		if math.Abs(got[i]-want[i]) > 1e-10*math.Max(1e-300, want[i]) && !(want[i] == 0 && got[i] == 0) {
			t.Errorf("Lambda(%g) = %.15g, want %.15g", at[i], got[i], want[i])
		}
	}
	// Exponential limit: Lambda(t) = n*/E[m^beta] sum m_i^beta (1 - e^{-rate (t - t_i)}).
	k := Kernel{Exponential: true, NStar: 0.6, Beta: 0.5, Rate: 0.25}
	logE, _ := meanMarkLog(0.5)
	D := 0.6 * math.Exp(-logE)
	eterm := func(m, lag float64) float64 { return D * math.Sqrt(m) * -math.Expm1(-0.25*lag) }
	got = Compensator(times, mags, T, k, []float64{2, 5, 10}, nil)
	want = []float64{eterm(100, 2), eterm(100, 5) + eterm(10, 3), eterm(100, 10) + eterm(10, 8) + eterm(1000, 5)}
	for i := range got {
		if math.Abs(got[i]-want[i]) > 1e-12*want[i] {
			t.Errorf("exponential Lambda #%d = %.15g, want %.15g", i, got[i], want[i])
		}
	}
}

// TestCompensatorMatchesLikelihood checks, on the small test cascades and
// parameters, that the compensator at T is the one LogLik subtracts
// (naiveCompensator is an independent transcription of it) and that at every
// event time the fast path agrees with the literal sum.
func TestCompensatorMatchesLikelihood(t *testing.T) {
	for _, tc := range testCascades {
		for _, p := range testParams {
			at := []float64{}
			for _, ti := range tc.times {
				if ti <= tc.T {
					at = append(at, ti)
				}
			}
			at = append(at, tc.T)
			got := Compensator(tc.times, tc.mags, tc.T, PowerLaw(p), at, nil)
			for i, ti := range at {
				want := naiveCompensator(tc.times, tc.mags, tc.T, p, ti)
				if math.Abs(got[i]-want) > 1e-9*math.Max(want, 1e-12) {
					t.Errorf("%s %+v: Lambda(%g) = %.12g, want %.12g", tc.name, p, ti, got[i], want)
				}
			}
		}
	}
}

// simCascade draws a cascade of about n events with distinct, irregular
// times from a fixed recurrence (no package sim: it imports fit).
func simCascade(n int) (times, mags []float64) {
	x := uint64(12345)
	next := func() float64 {
		x = x*6364136223846793005 + 1442695040888963407
		return float64(x>>11) / (1 << 53)
	}
	t := 0.0
	for i := 0; i < n; i++ {
		times = append(times, t)
		mags = append(mags, math.Floor(math.Exp(10*next())))
		t += math.Floor(-math.Log(1-next()) * float64(1+i/10))
	}
	return times, mags
}

// TestCompensatorFastMatchesExact compares the O(n K) Laplace path with the
// literal O(n^2) sum at every event time of a cascade of 2000 events with
// ties, for kernels from short to long memory: they must agree to within
// FastAccuracy of the compensator.
func TestCompensatorFastMatchesExact(t *testing.T) {
	times, mags := simCascade(2000)
	T := times[len(times)-1]
	for _, p := range []Params{
		{Kappa: 0.01, Beta: 0.5, C: 2, Theta: 0.3},
		{Kappa: 1e-4, Beta: 0.9, C: 60, Theta: 1.5},
		{Kappa: 0.2, Beta: 0.2, C: 0.5, Theta: 4},
	} {
		if _, ok := newCascade(times, mags, T).laplaceRates(p.C, p.Theta, precise); !ok {
			t.Fatalf("%+v: the fast grid does not cover the kernel", p)
		}
		at := append([]float64(nil), times...)
		got := Compensator(times, mags, T, PowerLaw(p), at, nil)
		for i, ti := range at {
			if i%97 != 0 && i != len(at)-1 {
				continue
			}
			want := naiveCompensator(times, mags, T, p, ti)
			if math.Abs(got[i]-want) > FastAccuracy*math.Max(want, 1e-12) {
				t.Errorf("%+v: Lambda(t_%d = %g) = %.12g, want %.12g", p, i, ti, got[i], want)
			}
		}
	}
}

// TestForecastTendsToPrediction checks that the forecast of the expected
// count tends to the predicted final size n + A1/(1-n*) of SPEC section 3,
// and starts at n.
func TestForecastTendsToPrediction(t *testing.T) {
	tc := testCascades[0]
	for _, p := range []Params{{Kappa: 0.8, Beta: 0.6, C: 50, Theta: 0.7}, {Kappa: 1e-3, Beta: 0.05, C: 0.5, Theta: 3}} {
		var at []float64
		for x := math.Log(tc.T); x < math.Log(1e14); x += 0.02 {
			at = append(at, math.Exp(x))
		}
		at[0] = tc.T
		got := Forecast(tc.times, tc.mags, tc.T, PowerLaw(p), at, nil)
		pr := Predict(tc.times, tc.mags, tc.T, p)
		if got[0] != float64(pr.N) {
			t.Errorf("%+v: forecast at T = %g, want n = %d", p, got[0], pr.N)
		}
		if last := got[len(got)-1]; math.Abs(last-pr.NHat) > 1e-3*(pr.NHat-float64(pr.N)) {
			t.Errorf("%+v: forecast at 1e14 s = %.8g, want N_hat = %.8g", p, last, pr.NHat)
		}
		for i := 1; i < len(got); i++ {
			if got[i] < got[i-1] {
				t.Fatalf("%+v: forecast decreases at %g", p, at[i])
			}
		}
	}
}

// TestFitExponentialMatchesFit checks the exponential fit alone against the
// full fit, which fits the same kernel from the same starts: equal optima if
// the full fit is unbounded (its optimum is the exponential limit), else no
// better than the power law, which nests it.
func TestFitExponentialMatchesFit(t *testing.T) {
	times, mags := simCascade(300)
	T := times[len(times)-1]
	ctx := context.Background()
	r, err := Fit(ctx, times, mags, T, Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := FitExponential(ctx, times, mags, T, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !e.OK {
		t.Fatalf("exponential fit failed: %s", e.Reason)
	}
	if r.Status == StatusUnbounded {
		if math.Abs(e.LogLik-r.LogLik) > 1e-8*math.Abs(r.LogLik) {
			t.Errorf("exponential fit %.12g, Fit's unbounded optimum %.12g", e.LogLik, r.LogLik)
		}
	} else if e.LogLik > r.LogLik+1e-8*math.Abs(r.LogLik) {
		t.Errorf("exponential fit %.12g beats the power law's optimum %.12g (status %s)", e.LogLik, r.LogLik, r.Status)
	}
}

// BenchmarkCompensator times the compensator at every event time of a
// cascade of 5000 events: by the fast likelihood's rates (O(n K)) and by
// the exact sum (O(n^2)), the fallback where the grid does not reach.
func BenchmarkCompensator(b *testing.B) {
	times, mags := simCascade(5000)
	T := times[len(times)-1]
	k := PowerLaw(Params{Kappa: 0.01, Beta: 0.5, C: 2, Theta: 0.3})
	at := append([]float64(nil), times...)
	dst := make([]float64, len(at))
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Compensator(times, mags, T, k, at, dst)
		}
	})
	b.Run("exact", func(b *testing.B) {
		b.ReportAllocs()
		cs := newCascade(times, mags, T)
		cs.marks(k.Beta)
		for b.Loop() {
			cs.exactCompensator(k.C, k.Theta, at, dst)
		}
	})
}

// TestForecastExponentialClosedForm checks the forecast of the exponential
// kernel against its closed form: the observed events' children arrive at
// A1 r e^(-r (t-T)), every later event's at n* r e^(-r tau), so the total
// rate is A1 r e^(-r (1-n*) (t-T)) and the expected count after T is
// F(t) = A1/(1-n*) (1 - e^(-r (1-n*) (t-T))).
func TestForecastExponentialClosedForm(t *testing.T) {
	tc := testCascades[0]
	k := Kernel{Exponential: true, NStar: 0.6, Beta: 0.4, Rate: 0.01}
	var at []float64
	for x := math.Log(tc.T); x < math.Log(1e6); x += 0.005 {
		at = append(at, math.Exp(x))
	}
	at[0] = tc.T
	got := Forecast(tc.times, tc.mags, tc.T, k, at, nil)
	cs := newCascade(tc.times, tc.mags, tc.T)
	a1 := cs.a1Exponential(exponential{NStar: k.NStar, Beta: k.Beta, Rate: k.Rate})
	for i, ti := range at {
		want := float64(cs.n) + a1/(1-k.NStar)*-math.Expm1(-k.Rate*(1-k.NStar)*(ti-tc.T))
		if math.Abs(got[i]-want) > 2e-3*a1/(1-k.NStar) {
			t.Fatalf("forecast at %g s = %.8g, want %.8g", ti, got[i], want)
		}
	}
}

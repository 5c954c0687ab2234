package evaluate

import (
	"math"
	"slices"
	"testing"
)

// pkgSeismic spells out the R package's constants, so the tests do not
// change if DefaultSeismic does.
var pkgSeismic = SeismicParams{S0: 300, Theta: 0.2314843, C0: 0.0006265725, NStar: 100, MinWindow: 300, MaxWindow: 7200, MinCount: 5}

// simpson integrates f over [a, b] with the composite Simpson rule on n
// (even) intervals. It is the independent reference for the kernel's
// closed forms; callers split the range at the kernel's kink S0.
func simpson(f func(float64) float64, a, b float64, n int) float64 {
	if b <= a {
		return 0
	}
	h := (b - a) / float64(n)
	s := f(a) + f(b)
	for i := 1; i < n; i++ {
		w := 2.0
		if i%2 == 1 {
			w = 4
		}
		s += w * f(a+float64(i)*h)
	}
	return s * h / 3
}

// integrate integrates f over [a, b], split at s0, with Simpson.
func integrate(f func(float64) float64, a, b, s0 float64) float64 {
	if a < s0 && s0 < b {
		return simpson(f, a, s0, 2000) + simpson(f, s0, b, 20000)
	}
	return simpson(f, a, b, 20000)
}

func TestSeismicKernelMass(t *testing.T) {
	tests := []struct {
		name string
		p    SeismicParams
		want float64
		tol  float64
	}{
		// Closed form C0·S0·(1 + 1/Theta): the package's pair is normalised
		// to the 7 digits given, 0.0006265725 · 300 · 5.3199 = 0.9999998.
		{"package", pkgSeismic, 1, 1e-6},
		{"default", DefaultSeismic, 1, 1e-6},
		// The paper's printed theta = 0.242 with c = 6.27e-4:
		// 0.1881 · (1 + 4.132231) = 0.965373.
		{"paper", SeismicParams{S0: 300, Theta: 0.242, C0: 6.27e-4}, 0.965373, 1e-6},
	}
	for _, tt := range tests {
		if got := tt.p.KernelMass(); math.Abs(got-tt.want) > tt.tol {
			t.Errorf("%s: kernel mass %.8f, want %.8f", tt.name, got, tt.want)
		}
		if got := tt.p.KernelCCDF(0); got != tt.p.KernelMass() {
			t.Errorf("%s: KernelCCDF(0) = %v, want the mass %v", tt.name, got, tt.p.KernelMass())
		}
	}
}

func TestSeismicKernelCCDF(t *testing.T) {
	p := pkgSeismic
	// The CCDF at s is the mass minus the integral of the PDF over [0, s],
	// here integrated numerically.
	for _, s := range []float64{1, 150, 299.5, 300, 300.5, 1000, 3600, 86400} {
		want := p.KernelMass() - integrate(p.KernelPDF, 0, s, p.S0)
		if got := p.KernelCCDF(s); math.Abs(got-want) > 1e-9 {
			t.Errorf("KernelCCDF(%v) = %.12f, want %.12f", s, got, want)
		}
	}
	if got, want := p.KernelPDF(-1), 0.0; got != want {
		t.Errorf("KernelPDF(-1) = %v, want 0", got)
	}
	// Power-law tail: phi(2·S0) = C0 · 2^-(1+Theta).
	if got, want := p.KernelPDF(600), p.C0*math.Pow(2, -1.2314843); math.Abs(got-want) > 1e-18 {
		t.Errorf("KernelPDF(600) = %v, want %v", got, want)
	}
}

func TestSeismicWindowWeight(t *testing.T) {
	p := pkgSeismic
	// windowWeight(b, w) is the integral of phi(u)·(u - (b-w))/w over
	// [max(0, b-w), b]; compare with Simpson on the definition. The cases
	// cover every piece of the package's integral.memory.kernel, and a
	// window narrower than S0 (the min.count fallback).
	tests := []struct{ b, w float64 }{
		{100, 300},   // event inside the window, kernel flat
		{250, 300},   // flat
		{400, 1800},  // flat then power law, event inside the window
		{2000, 1800}, // window starts 200 s after the event, in the flat part
		{2500, 1800}, // window entirely in the power-law part
		{3600, 1800},
		{100, 50},  // narrow window, flat
		{320, 50},  // narrow window across S0
		{1000, 50}, // narrow window, power law
	}
	for _, tt := range tests {
		a := math.Max(0, tt.b-tt.w)
		f := func(u float64) float64 { return p.KernelPDF(u) * (u - (tt.b - tt.w)) / tt.w }
		want := integrate(f, a, tt.b, p.S0)
		if got := p.windowWeight(tt.b, tt.w); math.Abs(got-want) > 1e-10*math.Max(1, math.Abs(want)) {
			t.Errorf("windowWeight(%v, %v) = %.14g, want %.14g", tt.b, tt.w, got, want)
		}
	}
}

func TestSeismicHandComputed(t *testing.T) {
	p := pkgSeismic
	c, mass := p.C0, p.KernelMass()
	// Five events before T = 200 s. The window is T/2 = 100 s raised to
	// MinWindow = 300 s, so it covers all five (no min.count fallback), and
	// every age b = T - t_i is below S0, where phi = c. By hand, with
	// K(s) = 1 - (T-s)/300:
	//   weight of event i = c·(b - b²/600) for b = 200, 180, 150, 100, 50
	//                      = c·(133.33, 126, 112.5, 83.33, 45.83),
	//   exposure = c·(10000·133.33 + 2000·126 + 3000·112.5 + 1000·83.33
	//              + 4000·45.83) = 2189500·c,
	//   retweet weight = 0.4 + 0.5 + 0.6667 + 0.8333 = 2.4,
	//   p = 2.4 / (2189500·c),
	//   rest = sum m_i·(mass - c·b_i) = 20000·mass - 3110000·c,
	//   N_hat = 5 + p·rest / (1 - 100·p).
	times := []float64{0, 20, 50, 100, 150}
	mags := []float64{10000, 2000, 3000, 1000, 4000}
	wantP := 2.4 / (2189500 * c)
	if got := p.Infectiousness(times, mags, 200); math.Abs(got-wantP) > 1e-12*wantP {
		t.Errorf("infectiousness %.15g, want %.15g", got, wantP)
	}
	want := 5 + wantP*(20000*mass-3110000*c)/(1-100*wantP)
	got, ok := p.Predict(times, mags, 200)
	if !ok || math.Abs(got-want) > 1e-10*want {
		t.Errorf("prediction %.15g, %v; want %.15g, true", got, ok, want)
	}
	// Events after T change nothing.
	later := append(slices.Clone(times), 200.5, 250, 9000)
	laterMags := append(slices.Clone(mags), 1e6, 1e6, 1e6)
	if got2, ok2 := p.Predict(later, laterMags, 200); got2 != got || ok2 != ok {
		t.Errorf("events after T changed the prediction to %v, %v", got2, ok2)
	}
	// An event at exactly T is observed: it adds itself to n and its
	// followers' full reaction mass to the rest, but, as in the package,
	// not to the infectiousness, which uses the events before T.
	atT, atTMags := append(slices.Clone(times), 200), append(slices.Clone(mags), 500)
	want3 := want + 1 + wantP*500*mass/(1-100*wantP)
	if got3, _ := p.Predict(atT, atTMags, 200); math.Abs(got3-want3) > 1e-10*want3 {
		t.Errorf("with an event at T: prediction %.15g, want %.15g", got3, want3)
	}
}

// refInfectiousness is an independent, slow transcription of the package's
// get.infectiousness for one time T, with the kernel integral done by
// Simpson on the definition.
func refInfectiousness(p SeismicParams, times, mags []float64, T float64) float64 {
	w := math.Min(math.Max(T/2, p.MinWindow), p.MaxWindow)
	var before []int
	inWin := 0
	for i, t := range times {
		if t < T {
			before = append(before, i)
			if t >= T-w {
				inWin++
			}
		}
	}
	if inWin < p.MinCount {
		lcv := len(before) // R: ind <- ind2[max(lcv - min.count, 1):lcv]
		first := before[max(lcv-p.MinCount, 1)-1]
		w = T - times[first]
	}
	var exposure, count float64
	for _, i := range before {
		ti := times[i]
		k := func(s float64) float64 { return p.KernelPDF(s-ti) * (1 - (T-s)/w) }
		lo := math.Max(ti, T-w)
		exposure += mags[i] * integrate(k, lo, T, ti+p.S0)
		if i > 0 && ti >= T-w {
			count += 1 - (T-ti)/w
		}
	}
	if count == 0 {
		return 0
	}
	return count / exposure
}

func TestSeismicInfectiousnessReference(t *testing.T) {
	p := pkgSeismic
	// A cascade with bursts and gaps, checked against refInfectiousness at
	// times that take the ordinary window, the capped window (T/2 > 2 h)
	// and the min.count fallback (a quiet spell before T).
	times := []float64{0, 0, 3, 10, 10, 45, 100, 160, 300, 420, 600, 900, 1500, 2400, 3000, 3300, 3500, 3590,
		5000, 20000, 20100, 20200, 20250, 20300, 20301, 40000}
	mags := make([]float64, len(times))
	for i := range mags {
		mags[i] = float64(50 + (i*7919)%3000)
	}
	mags[4] = 0 // no followers
	for _, T := range []float64{60, 600, 3600, 7000, 19000, 20305, 30000, 86400} {
		want := refInfectiousness(p, times, mags, T)
		if got := p.Infectiousness(times, mags, T); math.Abs(got-want) > 1e-8*want {
			t.Errorf("T = %v: infectiousness %.12g, want %.12g", T, got, want)
		}
	}
}

func TestSeismicEdgeCases(t *testing.T) {
	p := pkgSeismic
	tests := []struct {
		name        string
		times, mags []float64
		T           float64
		want        float64 // prediction; +Inf when not ok
		ok          bool
	}{
		// Only the original tweet: no retweet in the window, p = 0, so no
		// more events are expected.
		{"single event", []float64{0}, []float64{500}, 3600, 1, true},
		// The original's followers are all there is; p = 0 again.
		{"single event, no followers", []float64{0}, []float64{0}, 3600, 1, true},
		// Retweets but no follower ever exposed: infinite infectiousness.
		{"zero followers", []float64{0, 5, 10, 20, 30}, []float64{0, 0, 0, 0, 0}, 200, math.Inf(1), false},
		// The hand-computed cascade with 10 followers each: exposure
		// 5010·c, p = 2.4/(5010·c) = 0.7646, p·n* = 76 >= 1.
		{"supercritical", []float64{0, 20, 50, 100, 150}, []float64{10, 10, 10, 10, 10}, 200, math.Inf(1), false},
		// T = 0: the events at time 0 are observed, none is before T.
		{"T = 0", []float64{0, 0, 0, 5}, []float64{10, 20, 30, 40}, 0, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := p.Predict(tt.times, tt.mags, tt.T)
			if ok != tt.ok || (ok && math.Abs(got-tt.want) > 1e-12) || (!ok && !math.IsInf(got, 1)) {
				t.Errorf("Predict = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	// Exactly critical, p·n* = 1: not ok. With NStar = 1/p of the
	// hand-computed cascade.
	times, mags := []float64{0, 20, 50, 100, 150}, []float64{10000, 2000, 3000, 1000, 4000}
	q := p
	q.NStar = 1 / p.Infectiousness(times, mags, 200)
	q.NStar = math.Nextafter(q.NStar, math.Inf(1))
	if got, ok := q.Predict(times, mags, 200); ok {
		t.Errorf("critical cascade: Predict = %v, true; want +Inf, false", got)
	}
}

func TestSeismicPanics(t *testing.T) {
	bad := p2(pkgSeismic, func(p *SeismicParams) { p.Theta = 0 })
	tests := []struct {
		name        string
		p           SeismicParams
		times, mags []float64
		T           float64
	}{
		{"lengths", pkgSeismic, []float64{0, 1}, []float64{1}, 10},
		{"empty", pkgSeismic, nil, nil, 10},
		{"unsorted", pkgSeismic, []float64{0, 5, 3}, []float64{1, 1, 1}, 10},
		{"negative magnitude", pkgSeismic, []float64{0, 5}, []float64{1, -1}, 10},
		{"nan magnitude", pkgSeismic, []float64{0, 5}, []float64{1, math.NaN()}, 10},
		{"negative T", pkgSeismic, []float64{0, 5}, []float64{1, 1}, -1},
		{"infinite T", pkgSeismic, []float64{0, 5}, []float64{1, 1}, math.Inf(1)},
		{"bad params", bad, []float64{0, 5}, []float64{1, 1}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tt.p.Predict(tt.times, tt.mags, tt.T)
		})
	}
}

func p2(p SeismicParams, f func(*SeismicParams)) SeismicParams {
	f(&p)
	return p
}

func BenchmarkSeismic(b *testing.B) {
	// 5000 events over the first hour, as in a large seismic_subset cascade.
	rng := splitmix(1)
	times := make([]float64, 5000)
	mags := make([]float64, 5000)
	for i := 1; i < len(times); i++ {
		times[i] = times[i-1] + float64(rng.next()%2)
		mags[i] = float64(rng.next() % 5000)
	}
	b.ReportAllocs()
	for b.Loop() {
		Seismic(times, mags, 3600)
	}
}

package fit

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
)

// fitAt is a cascade of seismic_subset and the window it is fitted on.
type fitAt struct {
	id string
	T  float64
}

// fitsWithout fits each case of seismic_subset by Fit as it is and with
// something turned off (off turns it off and returns what turns it back
// on), and hands the two results to each; it fails t where a case is not
// in seismic_subset.
func fitsWithout(t *testing.T, cases []fitAt, off func() (restore func()), each func(c *data.Cascade, T float64, with, without Result)) {
	t.Helper()
	cascades, err := data.LoadDir(context.Background(), shared.Path(t, "seismic_subset"))
	if err != nil {
		t.Fatal(err)
	}
	found := 0
	for i := range cascades {
		c := &cascades[i]
		k := slices.IndexFunc(cases, func(f fitAt) bool { return f.id == c.ID })
		if k < 0 {
			continue
		}
		found++
		T := cases[k].T
		with, err := Fit(context.Background(), c.Times, c.Mags, T, Options{})
		if err != nil {
			t.Fatal(err)
		}
		restore := off()
		without, err := Fit(context.Background(), c.Times, c.Mags, T, Options{})
		restore()
		if err != nil {
			t.Fatal(err)
		}
		each(c, T, with, without)
	}
	if found != len(cases) {
		t.Fatalf("found %d of the cascades %v in seismic_subset", found, cases)
	}
}

// sameFitsWithout fits each case of seismic_subset by Fit as it is and
// with a shortcut of the search turned off (fitsWithout), and fails t
// where the status or the log-likelihood (beyond 1e-7 relative) differ. It
// returns count of the results of the search from the starts (fitStarts,
// shortcut on) of the first cases, up to the first where it is not zero,
// so that the caller can check the shortcut was taken.
func sameFitsWithout(t *testing.T, shortcut string, cases []fitAt, off func() (restore func()), count func(startResults) int) int {
	t.Helper()
	counted := 0
	fitsWithout(t, cases, off, func(c *data.Cascade, T float64, with, without Result) {
		if with.Status != without.Status || math.Abs(with.LogLik-without.LogLik) > 1e-7*math.Abs(without.LogLik) {
			t.Errorf("%s T=%g: %s %.12g with the %s, %s %.12g without", c.ID, T, with.Status, with.LogLik, shortcut, without.Status, without.LogLik)
		}
		t.Logf("%s T=%g: %s, %d evaluations with the %s, %d without", c.ID, T, with.Status, with.Evals, shortcut, without.Evals)
		if counted == 0 {
			cs := newCascade(c.Times, c.Mags, T)
			free, err := fitStarts(context.Background(), cs, drawStarts(Options{}.withDefaults()), searchMode)
			if err != nil {
				t.Fatal(err)
			}
			counted += count(free)
		}
	})
	return counted
}

// Handing runs over to the exponential limit (see fitStarts) saves
// evaluations and changes no fit: with and without it, the same status and
// log-likelihood (to 1e-7 relative). The cascades are those of
// seismic_subset at 600 s whose fits a hand-over past theta = 20 without
// limitBeaten's guard, or with margins instead of it, made worse: RT1933 (a power-law
// optimum at theta about 770, 7e-5 above the limit), RT2539 (ok, 0.058
// above the limit), RT495 and RT1653 (supercritical); RT5, unbounded, where
// runs are handed over; and at 3600 s RT1044, supercritical, which a
// hand-over past theta = 1 made unbounded. Under -short RT1933 and RT5
// alone.
func TestHandOverKeepsFits(t *testing.T) {
	cases := []fitAt{{"RT1933", 600}, {"RT5", 600}, {"RT2539", 600}, {"RT495", 600}, {"RT1653", 600}, {"RT1044", 3600}}
	if testing.Short() {
		cases = cases[:2]
	}
	off := func() func() {
		saved := handOverTheta
		handOverTheta = math.Inf(1)
		return func() { handOverTheta = saved }
	}
	handed := sameFitsWithout(t, "hand-over", cases, off, func(r startResults) int { return r.handed })
	if handed == 0 {
		t.Error("no run was handed over")
	}
}

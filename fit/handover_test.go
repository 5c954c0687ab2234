package fit

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/hawkes-toolkit/hawkes/data"
	"github.com/hawkes-toolkit/hawkes/internal/shared"
)

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
	cascades, err := data.LoadDir(context.Background(), shared.Path(t, "seismic_subset"))
	if err != nil {
		t.Fatal(err)
	}
	type fitAt struct {
		id string
		T  float64
	}
	cases := []fitAt{{"RT1933", 600}, {"RT5", 600}, {"RT2539", 600}, {"RT495", 600}, {"RT1653", 600}, {"RT1044", 3600}}
	if testing.Short() {
		cases = cases[:2]
	}
	handed := 0
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
		saved := handOverTheta
		handOverTheta = math.Inf(1)
		without, err := Fit(context.Background(), c.Times, c.Mags, T, Options{})
		handOverTheta = saved
		if err != nil {
			t.Fatal(err)
		}
		if with.Status != without.Status || math.Abs(with.LogLik-without.LogLik) > 1e-7*math.Abs(without.LogLik) {
			t.Errorf("%s T=%g: %s %.12g with the hand-over, %s %.12g without", c.ID, T, with.Status, with.LogLik, without.Status, without.LogLik)
		}
		t.Logf("%s T=%g: %s, %d evaluations with the hand-over, %d without", c.ID, T, with.Status, with.Evals, without.Evals)

		if handed == 0 {
			cs := newCascade(c.Times, c.Mags, T)
			free, err := fitStarts(context.Background(), cs, drawStarts(Options{}.withDefaults()), searchMode)
			if err != nil {
				t.Fatal(err)
			}
			handed += free.handed
		}
	}
	if found != len(cases) {
		t.Fatalf("found %d of the cascades %v in seismic_subset", found, cases)
	}
	if handed == 0 {
		t.Error("no run was handed over")
	}
}

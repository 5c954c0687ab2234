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
// seismic_subset at 600 s whose fits a hand-over without limitBeaten's
// guard, or with margins instead of it, made worse: RT1933 (a power-law
// optimum at theta about 770, 7e-5 above the limit), RT2539 (ok, 0.058
// above the limit), RT495 and RT1653 (supercritical); and RT5, unbounded,
// where runs are handed over. Under -short RT1933 and RT5 alone.
func TestHandOverKeepsFits(t *testing.T) {
	cascades, err := data.LoadDir(context.Background(), shared.Path(t, "seismic_subset"))
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"RT1933", "RT5", "RT2539", "RT495", "RT1653"}
	if testing.Short() {
		ids = ids[:2]
	}
	const T = 600
	handed := 0
	for i := range cascades {
		c := &cascades[i]
		if !slices.Contains(ids, c.ID) {
			continue
		}
		with, err := Fit(context.Background(), c.Times, c.Mags, T, Options{})
		if err != nil {
			t.Fatal(err)
		}
		handOverTheta = math.Inf(1)
		without, err := Fit(context.Background(), c.Times, c.Mags, T, Options{})
		handOverTheta = 20
		if err != nil {
			t.Fatal(err)
		}
		if with.Status != without.Status || math.Abs(with.LogLik-without.LogLik) > 1e-7*math.Abs(without.LogLik) {
			t.Errorf("%s: %s %.12g with the hand-over, %s %.12g without", c.ID, with.Status, with.LogLik, without.Status, without.LogLik)
		}
		t.Logf("%s: %s, %d evaluations with the hand-over, %d without", c.ID, with.Status, with.Evals, without.Evals)

		cs := newCascade(c.Times, c.Mags, T)
		free, err := fitStarts(context.Background(), cs, drawStarts(Options{}.withDefaults()), searchMode)
		if err != nil {
			t.Fatal(err)
		}
		handed += free.handed
		ids = slices.DeleteFunc(ids, func(id string) bool { return id == c.ID })
	}
	if len(ids) > 0 {
		t.Fatalf("cascades %v not in seismic_subset", ids)
	}
	if handed == 0 {
		t.Error("no run was handed over")
	}
}

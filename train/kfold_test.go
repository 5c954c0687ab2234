package train

import (
	"slices"
	"testing"
)

func TestKFold(t *testing.T) {
	cases := []struct{ n, k int }{
		{1, 1}, {10, 1}, {10, 2}, {10, 3}, {10, 10}, {7, 5}, {1000, 7}, {5000, 10},
	}
	for _, tc := range cases {
		folds := KFold(tc.n, tc.k, 42)
		if len(folds) != tc.k {
			t.Fatalf("KFold(%d, %d): %d folds", tc.n, tc.k, len(folds))
		}
		seen := make([]int, tc.n)
		small, large := tc.n, 0
		for _, fold := range folds {
			small, large = min(small, len(fold)), max(large, len(fold))
			if !slices.IsSorted(fold) {
				t.Errorf("KFold(%d, %d): fold not sorted", tc.n, tc.k)
			}
			for _, i := range fold {
				seen[i]++
			}
		}
		for i, c := range seen {
			if c != 1 {
				t.Errorf("KFold(%d, %d): index %d in %d folds, want 1", tc.n, tc.k, i, c)
			}
		}
		if large-small > 1 {
			t.Errorf("KFold(%d, %d): fold sizes %d to %d, want a difference <= 1", tc.n, tc.k, small, large)
		}
		if got := Complement(tc.n, folds[0]); len(got)+len(folds[0]) != tc.n || slices.ContainsFunc(got, func(i int) bool {
			_, found := slices.BinarySearch(folds[0], i)
			return found
		}) {
			t.Errorf("KFold(%d, %d): Complement of fold 0 is wrong", tc.n, tc.k)
		}
	}
	if !slices.EqualFunc(KFold(100, 4, 9), KFold(100, 4, 9), slices.Equal) {
		t.Error("same seed gave different folds")
	}
	// Another seed gives another permutation: the chance that fold 0 is
	// unchanged is 1 / C(100, 25), about 4e-24.
	if slices.Equal(KFold(100, 4, 9)[0], KFold(100, 4, 10)[0]) {
		t.Error("seeds 9 and 10 gave the same first fold")
	}
	// Appending to a fold must not write into the next one.
	folds := KFold(10, 2, 1)
	next := slices.Clone(folds[1])
	_ = append(folds[0], -1)
	if !slices.Equal(folds[1], next) {
		t.Error("appending to fold 0 changed fold 1")
	}
}

func TestKFoldPanics(t *testing.T) {
	for _, tc := range []struct{ n, k int }{{10, 0}, {10, 11}, {0, 1}, {5, -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("KFold(%d, %d) did not panic", tc.n, tc.k)
				}
			}()
			KFold(tc.n, tc.k, 1)
		}()
	}
}

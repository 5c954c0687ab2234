package train

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// kfoldStream is the PCG stream KFold draws from, distinct from the tree
// streams 0, 1, ... that Fit uses.
const kfoldStream = 0x6b666f6c64 // "kfold"

// KFold splits the indices 0..n-1 into k folds at random and returns, for
// each fold, its indices in increasing order. Every index is in exactly one
// fold and the fold sizes differ by at most 1. The permutation comes from
// rand.NewPCG(seed, kfoldStream), so the same seed gives the same folds.
// KFold panics unless 1 <= k <= n.
func KFold(n, k int, seed uint64) [][]int {
	if k < 1 || k > n {
		panic(fmt.Sprintf("train: KFold with %d folds of %d indices", k, n))
	}
	perm := rand.New(rand.NewPCG(seed, kfoldStream)).Perm(n)
	folds := make([][]int, k)
	for f := range k {
		fold := perm[f*n/k : (f+1)*n/k]
		slices.Sort(fold)
		folds[f] = fold[:len(fold):len(fold)]
	}
	return folds
}

// Complement returns the indices of 0..n-1 that are not in idx, in
// increasing order: the training rows of a fold returned by KFold. idx must
// hold distinct values in [0, n).
func Complement(n int, idx []int) []int {
	in := make([]bool, n)
	for _, i := range idx {
		in[i] = true
	}
	out := make([]int, 0, n-len(idx))
	for i, b := range in {
		if !b {
			out = append(out, i)
		}
	}
	return out
}

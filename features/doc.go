// Package features turns a cascade and its Hawkes fit on an observation
// window into one row of features and the training target of the random
// forest (SPEC section 4), and reads and writes those rows as CSV.
package features

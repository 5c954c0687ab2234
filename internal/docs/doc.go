// Package docs holds tests that keep the README true to the code: the table
// of hostile inputs is generated from the `// Hostile:` comments above the
// regression tests, and checked against the README (go test
// ./internal/docs -update rewrites it).
package docs

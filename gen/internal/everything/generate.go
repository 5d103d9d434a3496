// Package everything is generated from the test schemas in
// gen/testdata/schemas so that its tests can compile and run what the
// generator emits for every schema construct. It is not for use elsewhere.
package everything

//go:generate go run ../../cmd/tslogs-gen -pkg everything -out . ../../testdata/schemas/everything.yml ../../testdata/schemas/naming.yml ../../testdata/schemas/panther.yml

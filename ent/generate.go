// Package ent is the generated client of the domain graph (see schema/).
package ent

//go:generate go run entc.go

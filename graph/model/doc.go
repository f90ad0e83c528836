// Package model holds the GraphQL types that gqlgen generates for the
// hand-written schema files (inputs and payloads with no ent counterpart).
package model

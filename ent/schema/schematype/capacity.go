package schematype

// Capacity is an establishment's authorised places for one type of
// reception (directory module).
type Capacity struct {
	// ReceptionType is the kind of reception: BOARDING (internat), DAY
	// (accueil de jour), HOME (à domicile), TEMPORARY (accueil temporaire),
	// OTHER.
	ReceptionType string `json:"receptionType"`
	Places        int    `json:"places"`
}

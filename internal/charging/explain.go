package charging

import (
	"fmt"

	"communs/ent"
	"communs/ent/charge"
	"communs/ent/resource"
	"communs/internal/money"
)

// Every charge line carries its explanation in words, in French, as the
// call for funds prints it: "87 600 places·jours sur 486 755 × 23 228,24 €
// de coûts réels = 4 180,12 €". A PRO_RATA weight is a quantity times the
// days subscribed in the year, so its unit is the resource's unit·jours;
// an EQUAL weight counts days subscribed.

// unitNames are the French names of the usage units, in the plural.
var unitNames = map[resource.UsageUnit]string{
	resource.UsageUnitPLACES:       "places",
	resource.UsageUnitACCOUNTS:     "comptes",
	resource.UsageUnitMAILBOXES:    "boîtes aux lettres",
	resource.UsageUnitGIGABYTES:    "Go",
	resource.UsageUnitDAYS:         "jours",
	resource.UsageUnitPARTICIPANTS: "participants",
	resource.UsageUnitDEVICES:      "postes",
	resource.UsageUnitFLAT:         "forfaits",
}

// defaultRuleTexts say where a default quantity comes from.
var defaultRuleTexts = map[DefaultRule]string{
	DefaultLastYear: "celle de l'année précédente",
	DefaultAverage:  "la moyenne des abonnés",
	DefaultDays:     "1 par jour d'abonnement, aucune quantité n'étant connue",
}

// shareText explains a member's share of a resource's costs on one basis.
func shareText(res *ent.Resource, s *memberShare, totalWeight int64, actual bool) string {
	costs := "coûts budgétés"
	if actual {
		costs = "coûts réels"
	}
	var text string
	if s.weight > 0 {
		units := "jours d'abonnement"
		if res.AllocationKey == resource.AllocationKeyPRO_RATA {
			units = unitNames[res.UsageUnit] + "·jours"
		}
		text = fmt.Sprintf("%s %s sur %s × %s de %s", money.FrenchInt(s.weight), units,
			money.FrenchInt(totalWeight), money.French(s.splitAmount), costs)
	}
	if s.missing != nil {
		text += fmt.Sprintf(" (quantité par défaut %s, %s, faute de fiche déclarative validée)",
			money.FrenchInt(s.missing.DefaultQuantity), defaultRuleTexts[s.missing.DefaultRule])
	}
	if s.direct != 0 {
		if text != "" {
			text += " + "
		}
		text += fmt.Sprintf("%s directs du membre %s", costs, money.French(s.direct))
	}
	if text == "" {
		text = "aucune part des " + costs
	}
	return text + " = " + money.French(s.amount)
}

// costExplanation explains a provision or a regularisation line.
func costExplanation(kind charge.Kind, quarter int, share string, amount, provisions int64) string {
	if kind == charge.KindPROVISION {
		return fmt.Sprintf("Provision T%d : %d/4 de la quote-part annuelle, moins les provisions précédentes = %s ; quote-part : %s",
			quarter, quarter, money.French(amount), share)
	}
	return fmt.Sprintf("Quote-part : %s ; moins les provisions appelées %s = %s",
		share, money.French(provisions), money.French(amount))
}

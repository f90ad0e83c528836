package directory

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"time"
)

// Categories of the synthetic extract: FINESS establishment categories
// (nomenclature TRE_R66) with their aggregate categories.
var syntheticCategories = []struct {
	code, label, aggregate, aggregateLabel, prefix string
}{
	{"183", "Institut Médico-Educatif (I.M.E.)", "4101", "Etab.Educ.Spéciale pour Déficients Mentaux et Handicapés", "IME"},
	{"246", "Etablissement et Service d'Aide par le Travail (E.S.A.T.)", "4302", "Services de Travail Protégé pour Adultes Handicapés", "ESAT"},
	{"255", "Maison d'Accueil Spécialisée (M.A.S.)", "4301", "Etab. et Services d'Hébergement pour Adultes Handicapés", "MAS"},
	{"437", "Foyer d'Accueil Médicalisé pour Adultes Handicapés (F.A.M.)", "4301", "Etab. et Services d'Hébergement pour Adultes Handicapés", "FAM"},
	{"182", "Service d'Éducation Spéciale et de Soins à Domicile", "4106", "Services à Domicile ou Ambulatoires pour Handicapés", "SESSAD"},
	{"500", "Etablissement d'hébergement pour personnes âgées dépendantes", "4401", "Etablissements d'Hébergement pour Personnes Âgées", "EHPAD"},
}

var syntheticDepartments = []struct {
	code, label, commune, postal, city string
	x, y                               float64 // Lambert 93, roughly the city
}{
	{"21", "COTE D OR", "231", "21000", "DIJON", 853000, 6695000},
	{"58", "NIEVRE", "194", "58000", "NEVERS", 717000, 6650000},
	{"89", "YONNE", "024", "89000", "AUXERRE", 742000, 6743000},
	{"71", "SAONE ET LOIRE", "270", "71000", "MACON", 841000, 6574000},
	{"25", "DOUBS", "056", "25000", "BESANCON", 928000, 6688000},
	{"75", "PARIS", "113", "75013", "PARIS", 653000, 6859000},
	{"2A", "CORSE DU SUD", "004", "20000", "AJACCIO", 1187000, 6106000},
	{"2B", "HAUTE CORSE", "033", "20200", "BASTIA", 1229000, 6197000},
}

var (
	syntheticNames   = []string{"LES TILLEULS", "LE CHÂTEAU", "LA CLAIRIÈRE", "LES GENÊTS", "L'ÉCLUSE", "LES PRÉS", "SAINT-ÉLOI", "LA FORÊT"}
	syntheticStreets = []struct{ kind, name string }{
		{"R", "DES ÉCOLES"}, {"AV", "DU GÉNÉRAL LECLERC"}, {"BD", "DE LA RÉPUBLIQUE"},
		{"CHE", "DES VIGNES"}, {"PL", "DE L'ÉGLISE"}, {"R", "JEAN JAURÈS"}, {"IMP", "DES LILAS"},
	}
)

// WriteSyntheticExtract writes, in ISO-8859-1, an extract of n fictional
// establishments in the format ReadExtract reads, for tests and benchmarks.
// The output depends on n only. The establishments are spread over eight
// departments (Corsica included) and the categories IME 183, ESAT 246, MAS
// 255, FAM 437, SESSAD 182 and EHPAD 500; all their FINESS numbers are valid
// and distinct, and every establishment but one in ten has a
// geolocalisation record.
func WriteSyntheticExtract(w io.Writer, n int) error {
	perDept := (n + len(syntheticDepartments) - 1) / len(syntheticDepartments)
	if n < 0 || perDept > 400000 {
		return fmt.Errorf("directory: cannot write %d synthetic establishments", n)
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	line := make([]byte, 0, 512)
	line = appendLatin1(line[:0], "finess;etalab;111;2026-05-12\n")
	if _, err := bw.Write(line); err != nil {
		return err
	}
	base := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		dept := syntheticDepartments[i%len(syntheticDepartments)]
		cat := syntheticCategories[(i/len(syntheticDepartments))%len(syntheticCategories)]
		seq := i / len(syntheticDepartments)
		et, ej := syntheticFiness(dept.code, 100000+seq), syntheticFiness(dept.code, 500000+seq/3)
		street := syntheticStreets[i%len(syntheticStreets)]
		name := cat.prefix + " " + syntheticNames[i%len(syntheticNames)] + " " + strconv.Itoa(seq)
		opened := base.AddDate(0, 0, (i*37)%19000)
		authorized := opened.AddDate(0, -(i % 24), 0)
		compvoie := ""
		if i%11 == 0 {
			compvoie = "B"
		}
		fields := [structureFields]string{
			recordStructure, et, ej, name, name + " " + dept.city, "", "",
			strconv.Itoa(1 + i%120), street.kind, street.name, compvoie, "",
			dept.commune, dept.code, dept.label, dept.postal + " " + dept.city,
			fmt.Sprintf("0%09d", 300000000+i), "",
			cat.code, cat.label, cat.aggregate, cat.aggregateLabel,
			"", "", "", "", "", "",
			opened.Format(time.DateOnly), authorized.Format(time.DateOnly), "2026-05-04", "",
		}
		line = line[:0]
		for j, f := range fields {
			if j > 0 {
				line = append(line, ';')
			}
			line = appendLatin1(line, f)
		}
		line = append(line, '\n')
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	for i := range n {
		if i%10 == 9 {
			continue
		}
		dept := syntheticDepartments[i%len(syntheticDepartments)]
		seq := i / len(syntheticDepartments)
		line = append(line[:0], recordGeo...)
		line = append(line, ';')
		line = append(line, syntheticFiness(dept.code, 100000+seq)...)
		line = append(line, ';')
		line = strconv.AppendFloat(line, dept.x+float64((i*7919)%20000)/10, 'f', 1, 64)
		line = append(line, ';')
		line = strconv.AppendFloat(line, dept.y+float64((i*104729)%20000)/10, 'f', 1, 64)
		line = append(line, ";1,ATLASANTE,100,IGN,BD_ADRESSE,V2.1,LAMBERT_93;2026-05-04\n"...)
		if _, err := bw.Write(line); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// syntheticFiness is the FINESS number of a department and a sequence number.
func syntheticFiness(dept string, seq int) string {
	s := fmt.Sprintf("%s%06d", dept, seq)
	return s + string(finessKey(s))
}

// appendLatin1 appends s encoded in ISO-8859-1; a character outside it
// becomes '?'.
func appendLatin1(b []byte, s string) []byte {
	for _, r := range s {
		if r > 0xFF {
			r = '?'
		}
		b = append(b, byte(r))
	}
	return b
}

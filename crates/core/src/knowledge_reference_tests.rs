//! Checks the curated post list against the CEAC location list.
//!
//! `CEAC_LOCATION_CODES` is the location dropdown of the CEAC status checker
//! (https://ceac.state.gov/CEACStatTracker/Status.aspx), as mirrored by open-source status
//! checkers in 2023-2024 (228 codes, including the U.S. domestic codes USA, USN and DPT).
//! Every code must have a `[[post]]` in `knowledge/posts.toml`.

#[cfg(test)]
mod reference_posts {
    use std::collections::BTreeSet;

    use crate::knowledge::{KVisaHandling, Knowledge};

    const CEAC_LOCATION_CODES: &[&str] = &[
        "KBL", "TIA", "ALG", "LUA", "BNS", "YRV", "MLB", "PRT", "SYD", "VNN", "BKU", "NSS", "MNA",
        "DHK", "BGN", "MSK", "BRS", "BLZ", "COT", "HML", "LPZ", "SAR", "GAB", "BRA", "PTA", "RCF",
        "RDJ", "SPL", "BSB", "SOF", "OUG", "RNG", "BUJ", "PIA", "PHP", "YDE", "CLG", "HLF", "MTL",
        "OTT", "QBC", "TRT", "VAC", "NDJ", "SNT", "BEJ", "CHE", "GUZ", "SHG", "SNY", "WUH", "BGT",
        "BRZ", "KIN", "SNJ", "ABJ", "ZGB", "HAV", "CRC", "NCS", "PRG", "CPN", "DJI", "SDO", "GYQ",
        "QTO", "CRO", "SNS", "LND", "MBO", "ASM", "TAL", "MBA", "ADD", "SUV", "HLS", "PRS", "LIB",
        "BAN", "TBL", "BRL", "FRN", "MUN", "ACC", "ATH", "GTM", "CRY", "GEO", "PTP", "TGG", "HNK",
        "BDP", "RKJ", "MDR", "HYD", "CLC", "BMB", "NWD", "JAK", "SRB", "BGH", "ERB", "DBL", "TLV",
        "FLR", "MLN", "NPL", "RME", "KNG", "FKK", "NHA", "KBO", "SPP", "TKY", "JRS", "AMM", "ATA",
        "AST", "NRB", "PRI", "KWT", "BKK", "VNT", "RGA", "BRT", "MAS", "MRV", "VIL", "LXM", "ANT",
        "LIL", "KLL", "BAM", "VLL", "MAJ", "NUK", "PTL", "CDJ", "GDL", "HER", "MTM", "MER", "MEX",
        "MTR", "NGL", "NVL", "TJT", "KOL", "CHS", "ULN", "POD", "CSB", "MAP", "WHK", "KDU", "AMS",
        "USN", "ACK", "MNG", "NMY", "ABU", "LGS", "SKO", "BLF", "OSL", "MST", "ISL", "KRC", "KOR",
        "PNM", "PTM", "ASN", "LMA", "MNL", "KRK", "WRW", "LSB", "DOH", "BCH", "MOS", "VLA", "YEK",
        "KGL", "APA", "DHR", "JDD", "RID", "DKR", "BLG", "FTN", "SGP", "BTS", "LJU", "CPT", "DRB",
        "JHN", "SEO", "JBA", "MDD", "CLM", "KHT", "PRM", "STK", "BEN", "TAI", "DHB", "DRS", "BNK",
        "CHN", "DIL", "LOM", "PTS", "TNS", "ANK", "IST", "AKD", "USA", "KMP", "KEV", "ABD", "DUB",
        "MTV", "THT", "HAN", "HCM", "DPT", "LUS", "HRE",
    ];

    fn knowledge() -> Knowledge {
        Knowledge::embedded().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn reference_list_has_no_duplicates() {
        let unique: BTreeSet<_> = CEAC_LOCATION_CODES.iter().collect();
        assert_eq!(unique.len(), CEAC_LOCATION_CODES.len());
        assert_eq!(CEAC_LOCATION_CODES.len(), 228);
    }

    #[test]
    fn every_ceac_location_is_a_post() {
        let k = knowledge();
        let missing: Vec<&str> = CEAC_LOCATION_CODES
            .iter()
            .copied()
            .filter(|code| k.post(code).is_none())
            .collect();
        assert!(missing.is_empty(), "CEAC codes without a post: {missing:?}");
    }

    #[test]
    fn every_post_country_exists() {
        let k = knowledge();
        for post in &k.posts {
            assert!(
                k.country(&post.country).is_some(),
                "post {} names country {} which is not in countries.toml",
                post.code,
                post.country
            );
        }
    }

    #[test]
    fn k_processed_at_targets_process_k_visas() {
        let k = knowledge();
        for post in &k.posts {
            match (post.k_visas, &post.k_processed_at) {
                (KVisaHandling::Elsewhere, Some(target)) => {
                    let t = k.post(target).unwrap_or_else(|| {
                        panic!("post {}: k_processed_at {target} is not a post", post.code)
                    });
                    assert_eq!(
                        t.k_visas,
                        KVisaHandling::Processed,
                        "post {} sends K cases to {target}, which does not process them",
                        post.code
                    );
                    assert_ne!(t.code, post.code, "post {} points at itself", post.code);
                }
                (KVisaHandling::Elsewhere, None) => {
                    panic!("post {} is \"elsewhere\" without k_processed_at", post.code)
                }
                (_, Some(target)) => panic!(
                    "post {} has k_processed_at {target} but k_visas is not \"elsewhere\"",
                    post.code
                ),
                (_, None) => {}
            }
        }
    }

    #[test]
    fn every_post_cites_the_ceac_list_and_a_date() {
        let k = knowledge();
        for post in &k.posts {
            assert!(
                post.sources
                    .iter()
                    .any(|s| s.starts_with("https://ceac.state.gov/")),
                "post {} does not cite the CEAC location list",
                post.code
            );
            assert!(!post.as_of.is_empty(), "post {} has no as_of", post.code);
        }
    }

    #[test]
    fn uncertain_k_handling_says_so() {
        // A post whose K handling is unknown, or assumed, must explain itself to the user.
        let k = knowledge();
        for post in &k.posts {
            if post.k_visas == KVisaHandling::Unknown {
                assert!(
                    post.uncertain.is_some(),
                    "post {} is unknown without an uncertain note",
                    post.code
                );
            }
        }
    }

    /// The posts that interview most K-1 applicants. Ranked by FY2024 K-1 issuances by
    /// nationality (State Department NIV Detail Table, FY1997-2024 workbook), each nationality
    /// mapped to the post that interviews it (`k_visas` / `k_processed_at`): Philippines,
    /// Mexico, Vietnam, Dominican Republic, Colombia, Thailand, Brazil, United Kingdom, India,
    /// Nigeria, Ethiopia, Canada, Cuba, Jamaica, China, Peru, Iraq, Cambodia, Ghana, then
    /// Russia (Warsaw), because Iran (20th) has no single interviewing post. Vientiane (Laos,
    /// 23rd) is kept as well. See docs/knowledge.md.
    pub(crate) const TOP_K1_POSTS: &[&str] = &[
        "MNL", "MEX", "HCM", "SDO", "BGT", "BNK", "RDJ", "LND", "BMB", "LGS", "ADD", "MTL", "HAV",
        "KNG", "GUZ", "LMA", "BGH", "PHP", "ACC", "WRW", "VNT",
    ];

    #[test]
    fn top_k1_posts_have_dated_procedures() {
        let k = knowledge();
        for code in TOP_K1_POSTS.iter().chain(&["CDJ", "FRN", "TKY", "SYD"]) {
            let post = k.post(code).unwrap_or_else(|| panic!("{code} missing"));
            if TOP_K1_POSTS.contains(code) {
                assert_eq!(
                    post.k_visas,
                    KVisaHandling::Processed,
                    "{code} is on the list because it interviews K cases"
                );
            }
            let p = post
                .procedure
                .as_ref()
                .unwrap_or_else(|| panic!("{code} has no procedure"));
            assert!(
                ["yes", "no", "varies", "unknown"].contains(&p.passport_kept.as_str()),
                "{code}: passport_kept {:?}",
                p.passport_kept
            );
            assert!(!p.sources.is_empty(), "{code}: procedure has no sources");
            let as_of =
                crate::date::parse_date(&p.as_of).unwrap_or_else(|e| panic!("{code}: as_of {e}"));
            for s in &p.sources {
                let seen = crate::date::parse_date(&s.seen)
                    .unwrap_or_else(|e| panic!("{code}: {} seen {e}", s.url));
                assert!(seen <= as_of, "{code}: {} seen after as_of", s.url);
            }
            assert!(
                p.uncertain.is_some(),
                "{code}: procedures change often; the entry must say so"
            );
            if p.channel.starts_with("not found") {
                assert!(
                    p.channel.contains("follow your letter"),
                    "{code}: a missing channel sends the applicant to the letter"
                );
            }
        }
    }

    #[test]
    fn ceac_country_names_resolve() {
        // Country spellings used by the CEAC list and by 2026 notices must find a country.
        let k = knowledge();
        for (text, code) in [
            ("BURMA", "MM"),
            ("COTE D`IVORIE", "CI"),
            ("Ivory Coast", "CI"),
            ("CZECH REPUBLIC", "CZ"),
            ("ENGLAND", "GB"),
            ("NORTHERN IRELAND", "GB"),
            ("ESWATINI", "SZ"),
            ("Swaziland", "SZ"),
            ("TURKEY", "TR"),
            ("KOSOVO", "XK"),
            ("BOSNIA-HERZEGOVINA", "BA"),
            ("CABO VERDE", "CV"),
            ("Cape Verde", "CV"),
            ("TIMOR LESTE", "TL"),
            ("TRINIDAD", "TT"),
            ("MICRONESIA", "FM"),
            ("SOUTH KOREA", "KR"),
            ("Kyrgyz Republic", "KG"),
            ("The Gambia", "GM"),
            ("Republic of the Congo", "CG"),
            ("Democratic Republic of the Congo", "CD"),
            ("HONG KONG", "HK"),
            ("TAIWAN", "TW"),
            ("CURACAO", "CW"),
        ] {
            let found = k.find_country(text).map(|c| c.code.as_str());
            assert_eq!(found, Some(code), "{text}");
        }
    }

    #[test]
    fn restriction_countries_exist() {
        let k = knowledge();
        assert!(!k.restrictions.is_empty());
        for r in &k.restrictions {
            for c in r.countries.iter().chain(&r.partial_countries) {
                assert!(
                    k.country(c).is_some(),
                    "restriction {} names unknown country {c}",
                    r.id
                );
            }
        }
    }
}

//! The generated world: companies, people, their email addresses, phone numbers and addresses.
//!
//! Identities come from keyed permutations so that, for fewer than a few million rows, no two
//! originals share an email address or phone number: exact duplicates only ever come from the
//! deliberate near-duplicates. Company `j` is the same company in every file generated with
//! the same seed (it is the `j`-th original account row); contacts reference companies
//! `0..rows/4`, deals `0..rows/2`, activities `0..rows/8` and leads `0..rows`.

use crate::data::{self, City, FIRST_NAMES, LAST_NAMES};
use crate::locale::{Country, Phone};
use crate::rng::{hash2, Permutation, Rng};
use crate::GenObject;

/// Distinct (first name, last name) pairs.
pub const NAME_SPACE: u64 = (FIRST_NAMES.len() * LAST_NAMES.len()) as u64;

/// Distinct company names before numbered branches start (`Acme Systems 2 Inc.`).
pub const COMPANY_SPACE: u64 = (data::COMPANY_PREFIXES.len() * data::COMPANY_CORES.len() * data::COMPANY_TAILS.len()) as u64;

/// Distinct subscriber numbers; phone numbers repeat only after this many originals.
pub const PHONE_SPACE: u64 = 8_000_000;

/// A company of the world.
#[derive(Debug, Clone)]
pub struct Company {
    /// Its number `j`.
    pub index: u64,
    prefix: &'static str,
    core: &'static str,
    tail: &'static str,
    /// Positions of the words in their lists.
    words: [usize; 3],
    branch: u64,
    /// Industry suggested by the name (a model picklist value).
    pub industry: &'static str,
    /// Country of the head office.
    pub country: Country,
    /// Legal suffix, possibly empty.
    pub suffix: &'static str,
    /// How the company builds email addresses from names.
    email_style: u8,
    /// Head office city.
    pub city: &'static City,
}

impl Company {
    /// Name without legal suffix: `Blue River Logistics Group`.
    pub fn base_name(&self) -> String {
        let mut name = String::with_capacity(40);
        name.push_str(self.prefix);
        name.push(' ');
        name.push_str(self.core);
        if !self.tail.is_empty() {
            name.push(' ');
            name.push_str(self.tail);
        }
        if self.branch > 0 {
            name.push(' ');
            name.push_str(&(self.branch + 1).to_string());
        }
        name
    }

    /// Full name with the legal suffix.
    pub fn name(&self) -> String {
        self.name_with(self.suffix)
    }

    /// Full name with another legal suffix.
    pub fn name_with(&self, suffix: &str) -> String {
        let mut name = self.base_name();
        if !suffix.is_empty() {
            name.push(' ');
            name.push_str(suffix);
        }
        name
    }
}

/// A person working at a company.
#[derive(Debug, Clone)]
pub struct Person {
    /// Index into [`FIRST_NAMES`].
    pub first: usize,
    /// Index into [`LAST_NAMES`].
    pub last: usize,
    /// Employer.
    pub company: Company,
    /// Whether the person gives a free-mail address, and which one.
    free_mail: Option<usize>,
}

impl Person {
    /// Given name.
    pub fn first_name(&self) -> &'static str {
        FIRST_NAMES[self.first]
    }

    /// Family name.
    pub fn last_name(&self) -> &'static str {
        LAST_NAMES[self.last]
    }

    /// Country (the employer's).
    pub fn country(&self) -> Country {
        self.company.country
    }
}

/// The world of one generation run: keys and permutations derived from the seed.
#[derive(Debug, Clone)]
pub struct World {
    /// The object generated.
    pub object: GenObject,
    /// The seed.
    pub seed: u64,
    /// The country most people and companies are in, and whose phone formats are national.
    pub default_country: Country,
    /// Key of per-object randomness.
    pub object_key: u64,
    world_key: u64,
    companies: u64,
    company_perm: Permutation,
    person_perm: Permutation,
    phone_perm: Permutation,
    mobile_perm: Permutation,
    /// Permutation handing out product SKUs.
    pub sku_perm: Permutation,
    first_slugs: Vec<String>,
    last_slugs: Vec<String>,
    /// Slugs of company prefixes, cores and tails.
    word_slugs: [Vec<String>; 3],
}

impl World {
    /// Creates the world for generating `rows` rows of an object.
    pub fn new(object: GenObject, seed: u64, default_country: Country, rows: u64) -> World {
        let object_key = hash2(seed, 0x0B1E_C700 + object as u64);
        let world_key = hash2(seed, 0x57_4F52_4C44);
        let companies = match object {
            GenObject::Contacts => rows.div_ceil(4),
            GenObject::Deals => rows.div_ceil(2),
            GenObject::Activities => rows.div_ceil(8),
            GenObject::Leads | GenObject::Accounts | GenObject::Products => rows,
        }
        .max(1);
        World {
            object,
            seed,
            default_country,
            object_key,
            world_key,
            companies,
            company_perm: Permutation::new(world_key, COMPANY_SPACE),
            person_perm: Permutation::new(hash2(object_key, 1), NAME_SPACE.saturating_mul(companies)),
            phone_perm: Permutation::new(hash2(object_key, 2), PHONE_SPACE),
            mobile_perm: Permutation::new(hash2(object_key, 3), PHONE_SPACE),
            sku_perm: Permutation::new(hash2(object_key, 4), 36u64.pow(6)),
            first_slugs: FIRST_NAMES.iter().map(|name| slug(name)).collect(),
            last_slugs: LAST_NAMES.iter().map(|name| slug(name)).collect(),
            word_slugs: [
                data::COMPANY_PREFIXES.iter().map(|word| slug(word)).collect(),
                data::COMPANY_CORES.iter().map(|(word, _)| slug(word)).collect(),
                data::COMPANY_TAILS.iter().map(|word| slug(word)).collect(),
            ],
        }
    }

    /// Number of companies rows of this object refer to.
    pub fn companies(&self) -> u64 {
        self.companies
    }

    /// Picks a country from 64 random bits: 60 % the default, the rest shared by the others.
    pub fn country_from(&self, bits: u64) -> Country {
        let roll = bits % 100;
        if roll < 60 {
            return self.default_country;
        }
        let others = Country::ALL.into_iter().filter(|c| *c != self.default_country);
        others.cycle().nth(((roll - 60) / 14) as usize).unwrap_or(self.default_country)
    }

    /// Company `j`.
    pub fn company(&self, j: u64) -> Company {
        let combo = self.company_perm.apply(j % COMPANY_SPACE) as usize;
        let prefixes = data::COMPANY_PREFIXES.len();
        let cores = data::COMPANY_CORES.len();
        let words = [combo % prefixes, (combo / prefixes) % cores, combo / (prefixes * cores)];
        let (core, industry) = data::COMPANY_CORES[words[1]];
        let bits = hash2(self.world_key, j);
        let country = self.country_from(bits);
        let suffixes = country.legal_suffixes();
        let cities = country.cities();
        Company {
            index: j,
            prefix: data::COMPANY_PREFIXES[words[0]],
            core,
            tail: data::COMPANY_TAILS[words[2]],
            words,
            branch: j / COMPANY_SPACE,
            industry,
            country,
            suffix: suffixes[((bits >> 8) % suffixes.len() as u64) as usize],
            email_style: ((bits >> 20) % 4) as u8,
            city: &cities[((bits >> 32) % cities.len() as u64) as usize],
        }
    }

    /// The person of the `k`-th original row of contacts or leads: unique name and company.
    pub fn person(&self, k: u64) -> Person {
        let id = self.person_perm.apply(k);
        let name = id % NAME_SPACE;
        let company = self.company(id / NAME_SPACE);
        let bits = hash2(self.object_key, id);
        self.person_with(name, company, bits)
    }

    /// A company's web domain, lower case: `blueriverlogistics-group.de`.
    pub fn domain(&self, company: &Company) -> String {
        let [prefix, core, tail] = &self.word_slugs;
        let mut domain = String::with_capacity(48);
        domain.push_str(&prefix[company.words[0]]);
        domain.push_str(&core[company.words[1]]);
        if !company.tail.is_empty() {
            domain.push('-');
            domain.push_str(&tail[company.words[2]]);
        }
        if company.branch > 0 {
            domain.push_str(&(company.branch + 1).to_string());
        }
        domain.push('.');
        domain.push_str(company.country.tld());
        domain
    }

    /// Some person at company `j` (not unique), for references from deals and activities.
    pub fn someone_at(&self, j: u64, rng: &mut Rng) -> Person {
        let name = rng.below(NAME_SPACE);
        let company = self.company(j);
        // Work addresses only: a reference should find the contact by its company address.
        let mut person = self.person_with(name, company, 0);
        person.free_mail = None;
        person
    }

    fn person_with(&self, name: u64, company: Company, bits: u64) -> Person {
        let free_mail = (bits % 100 < 18).then_some(((bits >> 16) % 4) as usize);
        Person {
            first: (name % FIRST_NAMES.len() as u64) as usize,
            last: (name / FIRST_NAMES.len() as u64) as usize,
            company,
            free_mail,
        }
    }

    /// The person's email address in lower case, with its label (`work` or `home`).
    pub fn email(&self, person: &Person) -> (String, &'static str) {
        let first = &self.first_slugs[person.first];
        let last = &self.last_slugs[person.last];
        match person.free_mail {
            Some(choice) => {
                let code = person.country().code();
                let domains = data::FREE_MAIL.iter().find(|(c, _)| *c == code).map(|(_, d)| *d).unwrap_or(&["gmail.com"]);
                let domain = domains[choice % domains.len()];
                (format!("{first}.{last}{}@{domain}", person.company.index + 1), "home")
            }
            None => {
                let domain = self.domain(&person.company);
                let email = match person.company.email_style {
                    0 => format!("{first}.{last}@{domain}"),
                    1 => format!("{first}{last}@{domain}"),
                    2 => format!("{first}_{last}@{domain}"),
                    _ => format!("{last}.{first}@{domain}"),
                };
                (email, "work")
            }
        }
    }

    /// The work phone of the `k`-th original (unique among originals).
    pub fn landline(&self, k: u64, country: Country, city: &City) -> Phone {
        Phone { country, prefix: city.area, subscriber: 2_000_000 + self.phone_perm.apply(k) as u32 }
    }

    /// The mobile phone of the `k`-th original (unique, and never equal to a landline).
    pub fn mobile(&self, k: u64, country: Country, city: &City) -> Phone {
        Phone { country, prefix: city.mobile, subscriber: 2_000_000 + self.mobile_perm.apply(k) as u32 }
    }
}

/// Folds a name to lower-case ASCII letters and digits for email addresses and domains:
/// `Nguyễn` → `nguyen`, `O'Brien` → `obrien`, `Groß` → `gross`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'a'..='z' | '0'..='9' => {
                out.push(c);
                continue;
            }
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' | 'ă' | 'ạ' | 'ả' | 'ầ' | 'ấ' | 'ậ' => "a",
            'æ' => "ae",
            'ç' | 'ć' | 'č' => "c",
            'ď' | 'đ' | 'ð' => "d",
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' | 'ễ' | 'ế' | 'ệ' => "e",
            'ì' | 'í' | 'î' | 'ï' | 'ī' | 'ı' => "i",
            'ğ' => "g",
            'ł' | 'ľ' => "l",
            'ñ' | 'ń' | 'ň' => "n",
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' | 'ơ' | 'ồ' | 'ộ' => "o",
            'œ' => "oe",
            'ř' => "r",
            'ś' | 'š' | 'ş' => "s",
            'ß' => "ss",
            'ť' | 'ţ' => "t",
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' | 'ư' | 'ữ' => "u",
            'ý' | 'ÿ' => "y",
            'ź' | 'ż' | 'ž' => "z",
            _ => continue,
        };
        out.push_str(folded);
    }
    out
}

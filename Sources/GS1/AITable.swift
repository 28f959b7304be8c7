/// The Application Identifier table (GS1 General Specifications §3.2, with the association rules of
/// §4.14 and the Digital Link key/qualifier structure of the GS1 Digital Link URI syntax standard).
///
/// Values follow the GS1 Barcode Syntax Dictionary's decomposition of each AI into components.
/// Content rules that need external code lists (ISO 3166 country codes, ISO 4217 currencies, IBAN,
/// coupon field structure, AIDC media types, GS1 Company Prefix lookups) are not applied: for those
/// AIs only length and character set are checked.
enum AITable {
    static let entries: [ApplicationIdentifier] = build().sorted { $0.code < $1.code }

    static let byCode: [String: ApplicationIdentifier] = {
        var map: [String: ApplicationIdentifier] = [:]
        for entry in entries {
            precondition(map[entry.code] == nil, "duplicate AI \(entry.code) in the AI table")
            map[entry.code] = entry
        }
        return map
    }()

    static let byShortName: [String: ApplicationIdentifier] = {
        var map: [String: ApplicationIdentifier] = [:]
        for entry in entries {
            if let name = entry.shortName { map[name] = entry }
        }
        return map
    }()

    /// Trade item identification and the AIs that qualify it in a GS1 message.
    private static let tradeItem = ["01", "02", "8006", "8026"]
    /// Measures of trade items (31nn, 32nn, 35nn, 36nn) or a variable count, required by price AIs.
    private static let measures = ["30", "31nn", "32nn", "35nn", "36nn"]

    // swiftlint:disable:next function_body_length
    private static func build() -> [ApplicationIdentifier] {
        typealias AI = ApplicationIdentifier
        let d0 = ContentCheck.date(zeroDayAllowed: true)
        let d = ContentCheck.date(zeroDayAllowed: false)
        var t: [AI] = [
            AI("00", "SSCC", [.n(18, .checkDigit)], dl: [[]], shortName: "sscc"),
            AI("01", "GTIN", [.n(14, .checkDigit)], excludes: ["02", "255", "37"],
               dl: [["22", "10", "21"], ["235"]], shortName: "gtin"),
            AI("02", "CONTENT", [.n(14, .checkDigit)], requires: [["37"]]),
            AI("10", "BATCH/LOT", [.x(upTo: 20)], requires: [tradeItem], shortName: "lot"),
            AI("11", "PROD DATE", [.n(6, d0)], requires: [tradeItem]),
            AI("12", "DUE DATE", [.n(6, d0)], requires: [["8020"]]),
            AI("13", "PACK DATE", [.n(6, d0)], requires: [tradeItem]),
            AI("15", "BEST BEFORE or BEST BY", [.n(6, d0)], requires: [tradeItem]),
            AI("16", "SELL BY", [.n(6, d0)], requires: [tradeItem]),
            AI("17", "USE BY or EXPIRY", [.n(6, d0)], requires: [["01", "02", "255", "8006", "8026"]]),
            AI("20", "VARIANT", [.n(2)], requires: [tradeItem]),
            AI("21", "SERIAL", [.x(upTo: 20)], requires: [["01", "8006"]], excludes: ["235"], shortName: "ser"),
            AI("22", "CPV", [.x(upTo: 20)], requires: [["01"]], shortName: "cpv"),
            AI("235", "TPX", [.x(upTo: 28)], requires: [["01"]]),
            AI("240", "ADDITIONAL ID", [.x(upTo: 30)], requires: [tradeItem]),
            AI("241", "CUST. PART No.", [.x(upTo: 30)], requires: [tradeItem]),
            AI("242", "MTO VARIANT", [.n(upTo: 6)], requires: [tradeItem]),
            AI("243", "PCN", [.x(upTo: 20)], requires: [["01"]]),
            AI("250", "SECONDARY SERIAL", [.x(upTo: 30)], requires: [["01", "8006"], ["21"]]),
            AI("251", "REF. TO SOURCE", [.x(upTo: 30)], requires: [["01", "8006"]]),
            AI("253", "GDTI", [.n(13, .checkDigit), AIComponent.x(upTo: 17).optional], dl: [[]], shortName: "gdti"),
            AI("254", "GLN EXTENSION COMPONENT", [.x(upTo: 20)], requires: [["414"]], shortName: "glnx"),
            AI("255", "GCN", [.n(13, .checkDigit), AIComponent.n(upTo: 12).optional],
               excludes: ["01", "02", "415", "8006", "8020", "8026"], dl: [[]], shortName: "gcn"),
            AI("30", "VAR. COUNT", [.n(upTo: 8)], requires: [["01", "02"]]),
            AI("37", "COUNT", [.n(upTo: 8)], requires: [["00"], ["02", "8026"]]),
            AI("400", "ORDER NUMBER", [.x(upTo: 30)]),
            AI("401", "GINC", [.x(upTo: 30)], dl: [[]], shortName: "ginc"),
            AI("402", "GSIN", [.n(17, .checkDigit)], dl: [[]], shortName: "gsin"),
            AI("403", "ROUTE", [.x(upTo: 30)], requires: [["00"]]),
            AI("410", "SHIP TO LOC", [.n(13, .checkDigit)]),
            AI("411", "BILL TO", [.n(13, .checkDigit)]),
            AI("412", "PURCHASE FROM", [.n(13, .checkDigit)]),
            AI("413", "SHIP FOR LOC", [.n(13, .checkDigit)]),
            AI("414", "LOC No.", [.n(13, .checkDigit)], dl: [["254"], ["7040"]], shortName: "gln"),
            AI("415", "PAY TO", [.n(13, .checkDigit)], requires: [["8020"]], dl: [["8020"]]),
            AI("416", "PROD/SERV LOC", [.n(13, .checkDigit)]),
            AI("417", "PARTY", [.n(13, .checkDigit)], dl: [["7040"]], shortName: "party"),
            AI("420", "SHIP TO POST", [.x(upTo: 20)], excludes: ["421"]),
            AI("421", "SHIP TO POST", [.n(3), .x(upTo: 9)], excludes: ["4307"]),
            AI("422", "ORIGIN", [.n(3)], requires: [tradeItem], excludes: ["426"]),
            AI("423", "COUNTRY - INITIAL PROCESS", [.n(upTo: 15, .countryCodeList)], requires: [["01", "02"]], excludes: ["426"]),
            AI("424", "COUNTRY - PROCESS", [.n(3)], requires: [["01", "02"]], excludes: ["426"]),
            AI("425", "COUNTRY - DISASSEMBLY", [.n(upTo: 15, .countryCodeList)], requires: [["01", "02"]], excludes: ["426"]),
            AI("426", "COUNTRY - FULL PROCESS", [.n(3)], requires: [["01", "02"]]),
            AI("427", "ORIGIN SUBDIVISION", [.x(upTo: 3)], requires: [["01", "02"], ["422"]]),
            AI("4300", "SHIP TO COMP", [.x(upTo: 35, .percentEncoding)], requires: [["00"]]),
            AI("4301", "SHIP TO NAME", [.x(upTo: 35, .percentEncoding)], requires: [["00"]]),
            AI("4302", "SHIP TO ADD1", [.x(upTo: 70, .percentEncoding)], requires: [["00"]]),
            AI("4303", "SHIP TO ADD2", [.x(upTo: 70, .percentEncoding)], requires: [["4302"]]),
            AI("4304", "SHIP TO SUB", [.x(upTo: 70, .percentEncoding)], requires: [["00"]]),
            AI("4305", "SHIP TO LOC", [.x(upTo: 70, .percentEncoding)], requires: [["00"]]),
            AI("4306", "SHIP TO REG", [.x(upTo: 70, .percentEncoding)], requires: [["00"]]),
            AI("4307", "SHIP TO COUNTRY", [.x(2)], requires: [["00"]]),
            AI("4308", "SHIP TO PHONE", [.x(upTo: 30)], requires: [["00"]]),
            AI("4309", "SHIP TO GEO", [.n(10, .latitude), .n(10, .longitude)], requires: [["00"]]),
            AI("4310", "RTN TO COMP", [.x(upTo: 35, .percentEncoding)], requires: [["00"]]),
            AI("4311", "RTN TO NAME", [.x(upTo: 35, .percentEncoding)], requires: [["00"]]),
            AI("4312", "RTN TO ADD1", [.x(upTo: 70, .percentEncoding)], requires: [["00"]]),
            AI("4313", "RTN TO ADD2", [.x(upTo: 70, .percentEncoding)], requires: [["4312"]]),
            AI("4314", "RTN TO SUB", [.x(upTo: 70, .percentEncoding)], requires: [["00"]]),
            AI("4315", "RTN TO LOC", [.x(upTo: 70, .percentEncoding)], requires: [["00"]]),
            AI("4316", "RTN TO REG", [.x(upTo: 70, .percentEncoding)], requires: [["00"]]),
            AI("4317", "RTN TO COUNTRY", [.x(2)], requires: [["00"]]),
            AI("4318", "RTN TO POST", [.x(upTo: 20)], requires: [["00"]]),
            AI("4319", "RTN TO PHONE", [.x(upTo: 30)], requires: [["00"]]),
            AI("4320", "SRV DESCRIPTION", [.x(upTo: 35, .percentEncoding)], requires: [["00"]]),
            AI("4321", "DANGEROUS GOODS", [.n(1, .yesNo)], requires: [["00"]]),
            AI("4322", "AUTH TO LEAVE", [.n(1, .yesNo)], requires: [["00"]]),
            AI("4323", "SIG REQUIRED", [.n(1, .yesNo)], requires: [["00"]]),
            AI("4324", "NOT BEF DEL DT", [.n(6, d0), .n(4, .time)], requires: [["00"]]),
            AI("4325", "NOT AFT DEL DT", [.n(6, d0), .n(4, .time)], requires: [["00"]]),
            AI("4326", "REL DATE", [.n(6, d)], requires: [["00"]]),
            AI("4330", "MAX TEMP F.", [.n(6), AIComponent.x(1, .hyphen).optional], requires: [["00"]], excludes: ["4331"]),
            AI("4331", "MAX TEMP C.", [.n(6), AIComponent.x(1, .hyphen).optional], requires: [["00"]], excludes: ["4330"]),
            AI("4332", "MIN TEMP F.", [.n(6), AIComponent.x(1, .hyphen).optional], requires: [["00"]], excludes: ["4333"]),
            AI("4333", "MIN TEMP C.", [.n(6), AIComponent.x(1, .hyphen).optional], requires: [["00"]], excludes: ["4332"]),
            AI("7001", "NSN", [.n(13)], requires: [tradeItem]),
            AI("7002", "MEAT CUT", [.x(upTo: 30)], requires: [["01", "02"]]),
            AI("7003", "EXPIRY TIME", [.n(6, d), .n(4, .time)], requires: [["01", "02"]]),
            AI("7004", "ACTIVE POTENCY", [.n(upTo: 4)], requires: [["01"], ["10"]]),
            AI("7005", "CATCH AREA", [.x(upTo: 12)], requires: [["01", "02"]]),
            AI("7006", "FIRST FREEZE DATE", [.n(6, d)], requires: [["01", "02"]]),
            AI("7007", "HARVEST DATE", [.n(6, d), AIComponent.n(6, d).optional], requires: [["01", "02"]]),
            AI("7008", "AQUATIC SPECIES", [.x(upTo: 3)], requires: [["01", "02"]]),
            AI("7009", "FISHING GEAR TYPE", [.x(upTo: 10)], requires: [["01", "02"]]),
            AI("7010", "PROD METHOD", [.x(upTo: 2)], requires: [["01", "02"]]),
            AI("7011", "TEST BY DATE", [.n(6, d), AIComponent.n(4, .time).optional], requires: [["01", "02"]]),
            AI("7020", "REFURB LOT", [.x(upTo: 20)], requires: [["01", "8006"], ["416"]]),
            AI("7021", "FUNC STAT", [.x(upTo: 20)], requires: [["01", "8006"]]),
            AI("7022", "REV STAT", [.x(upTo: 20)], requires: [["7021"]]),
            AI("7023", "GIAI - ASSEMBLY", [.x(upTo: 30)]),
            AI("7040", "UIC+EXT", [.n(1), .x(1), .x(1), .x(1)]),
            AI("7240", "PROTOCOL", [.x(upTo: 20)], requires: [["01", "8006"]]),
            AI("7241", "AIDC MEDIA TYPE", [.n(2)], requires: [["8017", "8018"]]),
            AI("7242", "VCN", [.x(upTo: 25)], requires: [["8017", "8018"]]),
            AI("8001", "DIMENSIONS", [.n(4, .nonZero), .n(5, .nonZero), .n(3, .nonZero), .n(1, .winding), .n(1)],
               requires: [["01"]]),
            AI("8002", "CMT No.", [.x(upTo: 20)]),
            AI("8003", "GRAI", [.n(1, .zero), .n(13, .checkDigit), AIComponent.x(upTo: 16).optional], dl: [[]], shortName: "grai"),
            AI("8004", "GIAI", [.x(upTo: 30)], dl: [["7040"]], shortName: "giai"),
            AI("8005", "PRICE PER UNIT", [.n(6)], requires: [["01", "02"]]),
            AI("8006", "ITIP", [.n(14, .checkDigit), .n(4, .pieceOfTotal)], excludes: ["01", "37"],
               dl: [["22", "10", "21"]], shortName: "itip"),
            AI("8007", "IBAN", [.x(upTo: 34)], requires: [["415"]]),
            AI("8008", "PROD TIME", [.n(8, .dateHour), AIComponent.n(upTo: 4, .minutesOptionalSeconds).optional],
               requires: [["01", "02"]]),
            AI("8009", "OPTSEN", [.x(upTo: 50)], requires: [["00", "01"]]),
            AI("8010", "CPID", [.y(upTo: 30)], dl: [["8011"]], shortName: "cpid"),
            AI("8011", "CPID SERIAL", [.n(upTo: 12, .noZeroPrefix)], requires: [["8010"]], shortName: "cpsn"),
            AI("8012", "VERSION", [.x(upTo: 20)], requires: [["01", "8006"]]),
            AI("8013", "GMN", [AIComponent(.cset82, min: 3, max: 25, checks: [.checkCharacterPair])], dl: [[]], shortName: "gmn"),
            AI("8017", "GSRN - PROVIDER", [.n(18, .checkDigit)], excludes: ["8018"], dl: [["8019"]], shortName: "gsrnp"),
            AI("8018", "GSRN - RECIPIENT", [.n(18, .checkDigit)], excludes: ["8017"], dl: [["8019"]], shortName: "gsrn"),
            AI("8019", "SRIN", [.n(upTo: 10)], requires: [["8017", "8018"]], shortName: "srin"),
            AI("8020", "REF No.", [.x(upTo: 25)], requires: [["415"]], shortName: "refno"),
            AI("8026", "ITIP CONTENT", [.n(14, .checkDigit), .n(4, .pieceOfTotal)], requires: [["37"]], excludes: ["02", "8006"]),
            AI("8030", "DIGSIG", [.z(upTo: 90)],
               requires: [["00", "01", "253", "255", "8003", "8004", "8006", "8010", "8017", "8018"]]),
            AI("8110", "Coupon code (North America)", [.x(upTo: 70)]),
            AI("8111", "POINTS", [.n(4)], requires: [["255"]]),
            AI("8112", "Paperless coupon code (North America)", [.x(upTo: 70)]),
            AI("8200", "PRODUCT URL", [.x(upTo: 70)], requires: [["01"]]),
            AI("90", "INTERNAL", [.x(upTo: 30)]),
        ]
        for digit in 1...9 {
            t.append(AI("9\(digit)", "INTERNAL", [.x(upTo: 90)]))
        }
        for index in 0...5 {
            t.append(AI("71\(index)", "NHRN", [.x(upTo: 20)], requires: [["01"]]))
        }
        for index in 0...9 {
            t.append(AI("703\(index)", "PROCESSOR # \(index)", [.n(3), .x(upTo: 27)], requires: [["01", "02"]]))
            t.append(AI("723\(index)", "CERT # \(index + 1)", [.x(2), .x(upTo: 28)], requires: [["01", "8004"]]))
        }
        // Variable measure trade items and logistic measures (§3.6): N6 with the decimal point
        // position in the AI's last digit; each unit's AIs exclude each other (ex=310n etc.).
        let tradeMeasures: [String: String] = [
            "310": "NET WEIGHT (kg)", "311": "LENGTH (m)", "312": "WIDTH (m)", "313": "HEIGHT (m)",
            "314": "AREA (m²)", "315": "NET VOLUME (l)", "316": "NET VOLUME (m³)",
            "320": "NET WEIGHT (lb)", "321": "LENGTH (in)", "322": "LENGTH (ft)", "323": "LENGTH (yd)",
            "324": "WIDTH (in)", "325": "WIDTH (ft)", "326": "WIDTH (yd)", "327": "HEIGHT (in)",
            "328": "HEIGHT (ft)", "329": "HEIGHT (yd)", "350": "AREA (in²)", "351": "AREA (ft²)",
            "352": "AREA (yd²)", "356": "NET WEIGHT (t oz)", "357": "NET VOLUME (oz)",
            "360": "NET VOLUME (qt)", "361": "NET VOLUME (gal.)", "364": "VOLUME (in³)",
            "365": "VOLUME (ft³)", "366": "VOLUME (yd³)",
        ]
        let logisticMeasures: [String: String] = [
            "330": "GROSS WEIGHT (kg)", "331": "LENGTH (m), log", "332": "WIDTH (m), log",
            "333": "HEIGHT (m), log", "334": "AREA (m²), log", "335": "VOLUME (l), log",
            "336": "VOLUME (m³), log", "340": "GROSS WEIGHT (lb)", "341": "LENGTH (in), log",
            "342": "LENGTH (ft), log", "343": "LENGTH (yd), log", "344": "WIDTH (in), log",
            "345": "WIDTH (ft), log", "346": "WIDTH (yd), log", "347": "HEIGHT (in), log",
            "348": "HEIGHT (ft), log", "349": "HEIGHT (yd), log", "353": "AREA (in²), log",
            "354": "AREA (ft²), log", "355": "AREA (yd²), log", "362": "VOLUME (qt), log",
            "363": "VOLUME (gal.), log", "367": "VOLUME (in³), log", "368": "VOLUME (ft³), log",
            "369": "VOLUME (yd³), log",
        ]
        for (stem, title) in tradeMeasures {
            for decimals in 0...5 {
                t.append(AI("\(stem)\(decimals)", title, [.n(6)], requires: [["01", "02"]], excludes: ["\(stem)n"]))
            }
        }
        for (stem, title) in logisticMeasures {
            for decimals in 0...5 {
                t.append(AI("\(stem)\(decimals)", title, [.n(6)], requires: [["00", "01"]], excludes: ["\(stem)n"]))
            }
        }
        for decimals in 0...5 {
            t.append(AI("337\(decimals)", "KG PER m²", [.n(6)], requires: [["01"]], excludes: ["337n"]))
            t.append(AI("395\(decimals)", "PRICE/UoM", [.n(6)], requires: [measures],
                        excludes: ["392n", "393n", "395n", "8005"]))
        }
        for decimals in 0...9 {
            t.append(AI("390\(decimals)", "AMOUNT", [.n(upTo: 15)], requires: [["255", "8020"]],
                        excludes: ["390n", "391n", "394n", "8111"]))
            t.append(AI("391\(decimals)", "AMOUNT", [.n(3), .n(upTo: 15)], requires: [["8020"]], excludes: ["391n"]))
            t.append(AI("392\(decimals)", "PRICE", [.n(upTo: 15)], requires: [["01"], measures], excludes: ["392n", "393n"]))
            t.append(AI("393\(decimals)", "PRICE", [.n(3), .n(upTo: 15)], requires: [measures], excludes: ["393n"]))
        }
        for decimals in 0...3 {
            t.append(AI("394\(decimals)", "PRCNT OFF", [.n(4)], requires: [["255"]], excludes: ["394n", "8111"]))
        }
        return t
    }
}

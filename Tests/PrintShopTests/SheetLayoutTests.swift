import Testing
@testable import PrintShop

@Suite("Sheet layout")
struct SheetLayoutTests {
    @Test("30 × 40 mm stamps sit 5 × 6 on A4 with 3 mm gutters, the grid centred")
    func a4Grid() throws {
        let l = try SheetLayout(form: .a4, stampWidthMM: 30, stampHeightMM: 40, gapMM: 3, marginMM: 12)
        #expect(l.columns == 5 && l.rows == 6 && l.perPage == 30)
        // Grid 5×30 + 4×3 = 162 mm wide, 6×40 + 5×3 = 255 mm high.
        #expect(abs(l.originXMM - 24) < 1e-9 && abs(l.originYMM - 21) < 1e-9)
        #expect(l.stampOrigin(6) == (x: 57, y: 64))
        #expect(l.pages(for: 30) == 1 && l.pages(for: 31) == 2 && l.pages(for: 100) == 4)
    }

    @Test("crop marks mark every cut line of the used columns and rows, outside the grid")
    func cropMarks() throws {
        let l = try SheetLayout(form: .a4, stampWidthMM: 30, stampHeightMM: 40, gapMM: 3, marginMM: 12)
        let full = l.cropMarks(used: 30)
        #expect(full.count == 2 * 10 + 2 * 12)
        for m in full {
            let inside = m.x1 > l.originXMM && m.x2 < l.originXMM + 162 && m.y1 > l.originYMM && m.y2 < l.originYMM + 255
            #expect(!inside, "a crop mark must not print on a stamp")
        }
        // A page with 7 stamps: 5 columns, 2 rows of cut lines.
        #expect(l.cropMarks(used: 7).count == 2 * 10 + 2 * 4)
        #expect(full.contains(SheetLayout.Mark(x1: 24, y1: 21 - 1 - 5, x2: 24, y2: 20)))
    }

    @Test("a roll page is the stamp plus the gap on each side, with corner marks in the gap")
    func roll() throws {
        let l = try SheetLayout(form: .roll, stampWidthMM: 30, stampHeightMM: 40, gapMM: 3)
        #expect(l.perPage == 1 && l.pageWidthMM == 36 && l.pageHeightMM == 46)
        let marks = l.cropMarks(used: 1)
        #expect(marks.count == 8)
        #expect(marks.allSatisfy { $0.x1 >= 0 && $0.y1 >= 0 && $0.x2 <= 36 && $0.y2 <= 46 })
    }

    @Test("points are millimetres × 72 / 25.4")
    func points() {
        #expect(abs(SheetLayout.points(25.4) - 72) < 1e-12)
        #expect(abs(SheetLayout.points(210) - 595.2756) < 1e-4)
    }

    @Test("impossible layouts are refused with the reason")
    func refused() {
        #expect(throws: PrintShopError.self) { try SheetLayout(form: .a4, stampWidthMM: 200, stampHeightMM: 40) }
        #expect(throws: PrintShopError.self) { try SheetLayout(form: .a4, stampWidthMM: 30, stampHeightMM: 40, marginMM: 2) }
        #expect(throws: PrintShopError.self) { try SheetLayout(form: .roll, stampWidthMM: 30, stampHeightMM: 40, gapMM: 1) }
        #expect(throws: PrintShopError.self) { try SheetLayout(form: .a4, stampWidthMM: 0, stampHeightMM: 40) }
    }
}

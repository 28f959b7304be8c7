extension WebAssets {
    /// Every text of the page in Vietnamese (default) and English. The script looks texts up
    /// here only; data from the station is inserted as text, never as markup.
    static let strings = #"""
"use strict";
const STRINGS = {
  vi: {
    logout: "Đăng xuất", loginTitle: "Nhập mã PIN của trạm", login: "Vào", wrongPin: "Mã PIN không đúng.",
    tabPrint: "In tem", tabScans: "Nhật ký quét", tabStamps: "In lại / Hủy tem", tabPreview: "Xem mẫu tem",
    tabInspect: "Kiểm tra ảnh", tabSync: "Đồng bộ",
    product: "Sản phẩm", batch: "Lô hàng", newBatch: "Tạo lô mới", lot: "Số lô", produced: "Ngày sản xuất",
    quantity: "Số lượng dự kiến", createBatch: "Tạo lô", batchCreated: "Đã tạo lô", count: "Số tem",
    start: "Bắt đầu in", job: "Lệnh in", pause: "Tạm dừng", resume: "In tiếp", cancel: "Hủy lệnh",
    uncertainHelp: "Máy in lỗi khi đang in các tem dưới đây. Kiểm tra cuộn tem rồi chọn:",
    allPrinted: "Các tem này đã in tốt", allVoid: "Hủy các tem này",
    noBatch: "Chưa có lô nào đang mở: tạo lô mới.", noProduct: "Chưa có sản phẩm: thêm bằng lệnh station product add.",
    scanLog: "Nhật ký quét (mới nhất ở trên)", noScans: "Chưa có lượt quét nào.",
    stampsTitle: "In lại hoặc hủy một tem", serial: "Số sê-ri", reason: "Lý do",
    reasonSmudged: "Tem bị nhòe", reasonTorn: "Tem bị rách", reasonWrongItem: "Dán sai sản phẩm", reasonSample: "Mẫu kiểm nghiệm",
    reprint: "In lại tem", void: "Hủy tem", reprinted: "Đã in lại tem", voided: "Đã hủy tem", needSerial: "Nhập số sê-ri.",
    previewTitle: "Xem trước tem", show: "Xem", inspectTitle: "Kiểm tra tem qua ảnh",
    choosePhoto: "Chụp hoặc chọn ảnh tem", decoding: "Đang đọc ảnh…", noCode: "Không tìm thấy mã trong ảnh.",
    syncTitle: "Đồng bộ với máy chủ tỉnh", server: "Máy chủ", backlog: "Sự kiện chưa gửi", lastSuccess: "Lần gửi thành công gần nhất",
    lastError: "Lỗi gần nhất", offline: "(không có: trạm làm việc ngoại tuyến)", never: "chưa có", none: "không có",
    events: "sự kiện", printed: "đã in", lang: "English",
    state_queued: "Đang chờ", state_running: "Đang in", state_paused: "Tạm dừng", state_completed: "Đã xong", state_cancelled: "Đã hủy",
    outcome_accepted: "HỢP LỆ", outcome_flagged: "CẢNH BÁO", outcome_rejected: "TỪ CHỐI", outcome_duplicate: "TRÙNG", outcome_pending: "CHƯA GHI",
    verdict_genuine: "TEM THẬT", verdict_unknown: "KHÔNG RÕ", verdict_forged: "TEM GIẢ", verdict_void: "TEM ĐÃ HỦY",
    verdict_suspicious: "ĐÁNG NGỜ", verdict_not_a_stamp: "KHÔNG PHẢI TEM", verdict_recalled: "LÔ BỊ THU HỒI",
    verdict_not_activated: "TEM CHƯA KÍCH HOẠT",
    step_commissioning: "In tem", step_decommissioning: "Hủy tem", step_shipping: "Xuất kho", step_receiving: "Nhập kho",
    step_inspecting: "Kiểm tra", step_packing: "Đóng thùng", step_holding: "Thu hồi lô", step_other: "Sự kiện",
    serverVerdict: "Máy chủ tỉnh", serverLookups: "tra cứu trên máy chủ:", serverHistory: "sự kiện:",
    serverUnreachable: "Không hỏi được máy chủ tỉnh: kết quả chỉ dựa vào dữ liệu của trạm này.",
    printer_ready: "Sẵn sàng", printer_paper_out: "Hết giấy", printer_ribbon_out: "Hết mực (ribbon)", printer_head_open: "Mở nắp đầu in",
    printer_paused: "Máy in tạm dừng", printer_offline: "Mất kết nối", printer_buffer_full: "Bộ đệm đầy", printer_unknown: "Không rõ",
    printer_not_responding: "Máy in không trả lời", printer_hardware_error: "Máy in báo lỗi phần cứng", printing: "đang in lệnh",
    lotLabel: "Lô", expiry: "HSD", producer: "Nhà sản xuất", checkedBefore: "Đã kiểm tra trước đó", times: "lần"
  },
  en: {
    logout: "Log out", loginTitle: "Enter the station PIN", login: "Enter", wrongPin: "Wrong PIN.",
    tabPrint: "Print", tabScans: "Scan log", tabStamps: "Reprint / Void", tabPreview: "Label preview",
    tabInspect: "Photo check", tabSync: "Sync",
    product: "Product", batch: "Batch", newBatch: "New batch", lot: "Lot", produced: "Production date",
    quantity: "Planned quantity", createBatch: "Create batch", batchCreated: "Batch created", count: "Stamps",
    start: "Start printing", job: "Job", pause: "Pause", resume: "Resume", cancel: "Cancel job",
    uncertainHelp: "The printer failed while printing these stamps. Check the roll, then choose:",
    allPrinted: "These stamps printed fine", allVoid: "Void these stamps",
    noBatch: "No open batch: create one.", noProduct: "No product yet: add one with station product add.",
    scanLog: "Scan log (newest first)", noScans: "No scans yet.",
    stampsTitle: "Reprint or void one stamp", serial: "Serial", reason: "Reason",
    reasonSmudged: "Smudged", reasonTorn: "Torn", reasonWrongItem: "Applied to the wrong item", reasonSample: "Lab sample",
    reprint: "Reprint stamp", void: "Void stamp", reprinted: "Stamp reprinted", voided: "Stamp voided", needSerial: "Enter a serial.",
    previewTitle: "Label preview", show: "Show", inspectTitle: "Check a stamp from a photo",
    choosePhoto: "Take or choose a photo of the stamp", decoding: "Reading the photo…", noCode: "No code found in the photo.",
    syncTitle: "Sync with the provincial server", server: "Server", backlog: "Events not yet sent", lastSuccess: "Last success",
    lastError: "Last error", offline: "(none: the station works offline)", never: "never", none: "none",
    events: "events", printed: "printed", lang: "Tiếng Việt",
    state_queued: "Queued", state_running: "Printing", state_paused: "Paused", state_completed: "Done", state_cancelled: "Cancelled",
    outcome_accepted: "OK", outcome_flagged: "WARNING", outcome_rejected: "REJECTED", outcome_duplicate: "REPEAT", outcome_pending: "NOT YET SAVED",
    verdict_genuine: "GENUINE", verdict_unknown: "UNKNOWN", verdict_forged: "FORGED", verdict_void: "VOID",
    verdict_suspicious: "SUSPICIOUS", verdict_not_a_stamp: "NOT A STAMP", verdict_recalled: "BATCH RECALLED",
    verdict_not_activated: "NOT ACTIVATED",
    step_commissioning: "Printed", step_decommissioning: "Voided", step_shipping: "Shipped", step_receiving: "Received",
    step_inspecting: "Inspected", step_packing: "Packed", step_holding: "Batch recalled", step_other: "Event",
    serverVerdict: "Province server", serverLookups: "lookups on the server:", serverHistory: "events:",
    serverUnreachable: "The province server could not be asked: this verdict uses this station's data only.",
    printer_ready: "Ready", printer_paper_out: "Paper out", printer_ribbon_out: "Ribbon out", printer_head_open: "Head open",
    printer_paused: "Printer paused", printer_offline: "Offline", printer_buffer_full: "Buffer full", printer_unknown: "Unknown",
    printer_not_responding: "Printer not answering", printer_hardware_error: "Printer hardware error", printing: "printing job",
    lotLabel: "Lot", expiry: "Expiry", producer: "Producer", checkedBefore: "Checked before", times: "times"
  }
};

"""#
}

Attribute VB_Name = "XlperfRibbon"
' Ribbon callbacks of the xlperf add-in (see customUI14.xml). Each button runs one function of
' xlperf.excel.macros through xlwings' RunPython, after the setup check of XlperfSetup. This module
' stays ASCII: every text the user sees comes from Python or from the hidden sheet "xlperf.text".
' It holds only Subs (callbacks take the ribbon control), so nothing of it shows in Insert Function.
Option Explicit

Private xlperfRibbonUI As IRibbonUI

Sub XlperfRibbonLoad(ribbon As IRibbonUI)
    Set xlperfRibbonUI = ribbon
End Sub

Sub XlperfValidate(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.validate_workbook()"
End Sub

Sub XlperfClearMarks(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.clear_marks()"
End Sub

Sub XlperfAddProjectSheet(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.add_project_sheet()"
End Sub

Sub XlperfInsertIndicatorRow(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.insert_indicator_row()"
End Sub

Sub XlperfRefreshSummary(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.refresh_summary()"
End Sub

Sub XlperfSubmissionCopy(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.make_submission_copy()"
End Sub

Sub XlperfWriteReport(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.write_report()"
End Sub

Sub XlperfConsolidate(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.consolidate_folder()"
End Sub

' The diagnosis needs no workbook of the user's: with none open, it gets an empty one to report in.
Sub XlperfDiagnose(control As IRibbonControl)
    If ActiveWorkbook Is Nothing Then Workbooks.Add
    XlperfRun "import xlperf.excel.macros as m; m.diagnose()"
End Sub

Sub XlperfHelp(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.show_help()"
End Sub

' RunPython needs an active workbook (xlwings passes it to Python as the caller) and a Python that
' can run xlperf (XlperfReady explains what is missing).
Private Sub XlperfRun(ByVal pythonCommand As String)
    If ActiveWorkbook Is Nothing Then
        MsgBox XlperfText("no_workbook"), vbInformation, XlperfText("title")
        Exit Sub
    End If
    If Not XlperfReady() Then Exit Sub
    RunPython pythonCommand
End Sub

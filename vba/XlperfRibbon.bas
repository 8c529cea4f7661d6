Attribute VB_Name = "XlperfRibbon"
' Ribbon callbacks of the xlperf add-in (see customUI14.xml). Each button runs one function of
' xlperf.excel.macros through xlwings' RunPython. This module stays ASCII: every text the user
' sees comes from Python or from the hidden sheet "xlperf.text" of the add-in.
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

Sub XlperfHelp(control As IRibbonControl)
    XlperfRun "import xlperf.excel.macros as m; m.show_help()"
End Sub

' RunPython needs an active workbook (xlwings passes it to Python as the caller).
Private Sub XlperfRun(ByVal pythonCommand As String)
    If ActiveWorkbook Is Nothing Then
        MsgBox XlperfText("no_workbook"), vbInformation, XlperfText("title")
        Exit Sub
    End If
    RunPython pythonCommand
End Sub

' A user-facing text kept in the hidden sheet: rows "msg" | key | text.
Function XlperfText(ByVal key As String) As String
    Dim sht As Worksheet, r As Long
    Set sht = ThisWorkbook.Worksheets("xlperf.text")
    r = 1
    Do While sht.Cells(r, 1).Value <> ""
        If sht.Cells(r, 1).Value = "msg" And sht.Cells(r, 2).Value = key Then
            XlperfText = sht.Cells(r, 3).Value
            Exit Function
        End If
        r = r + 1
    Loop
    XlperfText = key
End Function

' Registers the descriptions of the Python UDFs (Insert Function dialog) from the hidden sheet:
' rows "udf" | name | category | description | argument count | argument descriptions...
Sub XlperfRegisterUdfs()
    Dim sht As Worksheet, r As Long, n As Long, k As Long, macroName As String
    Dim argDocs() As Variant
    On Error Resume Next
    Set sht = ThisWorkbook.Worksheets("xlperf.text")
    If sht Is Nothing Then Exit Sub
    r = 1
    Do While sht.Cells(r, 1).Value <> ""
        If sht.Cells(r, 1).Value = "udf" Then
            macroName = "'" & ThisWorkbook.Name & "'!" & sht.Cells(r, 2).Value
            n = CLng(sht.Cells(r, 5).Value)
            If n > 0 Then
                ReDim argDocs(0 To n - 1)
                For k = 0 To n - 1
                    argDocs(k) = CStr(sht.Cells(r, 6 + k).Value)
                Next k
                Application.MacroOptions Macro:=macroName, Description:=sht.Cells(r, 4).Value, _
                    Category:=sht.Cells(r, 3).Value, ArgumentDescriptions:=argDocs
            Else
                Application.MacroOptions Macro:=macroName, Description:=sht.Cells(r, 4).Value, _
                    Category:=sht.Cells(r, 3).Value
            End If
        End If
        r = r + 1
    Loop
End Sub

Attribute VB_Name = "XlperfSetup"
' Setup checks and texts of the xlperf add-in. Before the first RunPython of a session, XlperfReady
' checks that Excel can start the Python the add-in is configured for (the same config keys as
' xlwings' RunPython), and runs the build's probe in it: Python 3.11+, xlperf and xlwings installed,
' the versions this add-in was built for. When something is wrong, a message box says what and what
' to do. XlperfUdfError is what an XP_ cell shows when its call cannot reach Python.
' ASCII only: every text comes from the hidden sheet "xlperf.text" (rows "msg" | key | text), the
' versions from its rows "build" | key | value. Option Private Module keeps these functions out of
' Excel's Insert Function dialog and formula autocomplete.
Option Explicit
Option Private Module

Private xlperfReadyChecked As Boolean

' A user-facing text kept in the hidden sheet: rows "msg" | key | text.
Function XlperfText(ByVal key As String) As String
    XlperfText = XlperfSheetValue("msg", key)
End Function

' What the add-in records about its build: rows "build" | key | value.
Function XlperfBuild(ByVal key As String) As String
    XlperfBuild = XlperfSheetValue("build", key)
End Function

Private Function XlperfSheetValue(ByVal kind As String, ByVal key As String) As String
    Dim sht As Worksheet, r As Long
    Set sht = ThisWorkbook.Worksheets("xlperf.text")
    r = 1
    Do While sht.Cells(r, 1).Value <> ""
        If sht.Cells(r, 1).Value = kind And sht.Cells(r, 2).Value = key Then
            XlperfSheetValue = sht.Cells(r, 3).Value
            Exit Function
        End If
        r = r + 1
    Loop
    XlperfSheetValue = key
End Function

' Registers the descriptions of the Python UDFs (Insert Function dialog) from the hidden sheet:
' rows "udf" | name | category | description | argument count | argument descriptions...
' MacroOptions marks the add-in changed; it is marked saved again so Excel never asks to save it.
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
    ThisWorkbook.Saved = True
End Sub

' The interpreter RunPython starts: the same keys and defaults as xlwings' RunPython.
Function XlperfInterpreter() As String
    XlperfInterpreter = GetConfig("INTERPRETER_WIN", "")
    If XlperfInterpreter = "" Then XlperfInterpreter = GetConfig("INTERPRETER", "python")
End Function

' The cmd.exe line that runs the build's probe with the console interpreter of the same install.
Function XlperfProbeCommand(ByVal interpreter As String) As String
    Dim exe As String
    exe = interpreter
    If LCase$(Right$(exe, 11)) = "pythonw.exe" Then exe = Left$(exe, Len(exe) - 11) & "python.exe"
    If LCase$(exe) = "pythonw" Then exe = "python"
    If LCase$(exe) <> "python" Then exe = Chr(34) & exe & Chr(34)
    XlperfProbeCommand = "cmd.exe /S /C " & Chr(34) & exe & " -B -c " & Chr(34) & _
        XlperfBuild("probe") & Chr(34) & Chr(34)
End Function

' True when RunPython can go ahead. Checked once per session while it succeeds; a version mismatch
' is shown once and does not stop the button (the buttons work, the XP_ cells would not).
Function XlperfReady() As Boolean
    Dim interpreter As String, code As Long
    If xlperfReadyChecked Then
        XlperfReady = True
        Exit Function
    End If
    interpreter = XlperfInterpreter()
    If LCase$(interpreter) <> "python" And LCase$(interpreter) <> "pythonw" Then
        If Not FileExists(interpreter) Then
            XlperfSetupAlert "setup_missing_interpreter", interpreter, "", vbCritical
            Exit Function
        End If
    End If
    On Error GoTo blocked
    code = CreateObject("WScript.Shell").Run(XlperfProbeCommand(interpreter), 0, True)
    On Error GoTo 0
    Select Case code
        Case 0
            XlperfReady = True
        Case 13
            XlperfSetupAlert "setup_xlwings_mismatch", interpreter, "", vbExclamation
            XlperfReady = True
        Case 14
            XlperfSetupAlert "setup_xlperf_mismatch", interpreter, "", vbExclamation
            XlperfReady = True
        Case 11
            XlperfSetupAlert "setup_no_xlperf", interpreter, "", vbCritical
        Case 12
            XlperfSetupAlert "setup_no_xlwings", interpreter, "", vbCritical
        Case 15
            XlperfSetupAlert "setup_old_python", interpreter, "", vbCritical
        Case 16
            XlperfSetupAlert "setup_broken_xlperf", interpreter, "", vbCritical
        Case 9009
            XlperfSetupAlert "setup_no_python", interpreter, "", vbCritical
        Case Else
            XlperfSetupAlert "setup_python_failed", interpreter, CStr(code), vbCritical
    End Select
    xlperfReadyChecked = XlperfReady
    Exit Function
blocked:
    XlperfSetupAlert "setup_blocked", interpreter, Err.Description, vbCritical
End Function

' A setup message ({0} and {1} filled in) followed by the next step, in one message box.
Sub XlperfSetupAlert(ByVal key As String, ByVal arg0 As String, ByVal arg1 As String, ByVal style As Long)
    Dim msg As String
    msg = Replace(Replace(XlperfText(key), "{0}", arg0), "{1}", arg1)
    MsgBox msg & vbLf & vbLf & XlperfText("setup_next"), style, XlperfText("title")
End Sub

' What an XP_ cell shows when its call fails. The DLL cannot be loaded (1 from xlwings' XLPyLoadDLL,
' 48 wrong bitness, 53 not found, 453 no such entry point) or Python cannot be started (1000 from
' XLPy): a short Chinese text. Anything else is Python's own error text, as xlwings shows it.
Function XlperfUdfError(ByVal number As Long, ByVal description As String) As Variant
    Select Case number
        Case 1, 48, 53, 453, 1000
            XlperfUdfError = XlperfText("udf_no_python")
        Case Else
            XlperfUdfError = description
    End Select
End Function

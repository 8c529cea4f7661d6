Attribute VB_Name = "XlperfLinks"
' Keeps XP_ formulas working when a workbook moves to another PC.
' Excel saves a call into an add-in function as a link to the add-in's full path; on another PC
' that path differs. On open, every link whose file name is this add-in's is pointed at this
' add-in (ChangeLink), so the formulas resolve. Excel decides about its "update links" prompt while
' it loads a workbook, before the WorkbookOpen event reaches this add-in; so on save, a workbook whose
' only links are to this add-in gets the startup setting "do not ask, do not update"
' (UpdateLinks = xlUpdateLinksNever, stored as workbookPr/@updateLinks="never"): opened anywhere
' later, Excel asks nothing and this add-in relinks it. A workbook with other links keeps its
' setting: those links are the user's. See docs/windows-checklist.md for what the user sees.
Option Explicit
Option Private Module

Private xlperfEvents As XlperfAppEvents

Sub XlperfStartEvents()
    Dim wb As Workbook
    Set xlperfEvents = New XlperfAppEvents
    Set xlperfEvents.App = Application
    For Each wb In Application.Workbooks
        XlperfRelink wb
    Next wb
End Sub

Sub XlperfRelink(ByVal Wb As Workbook)
    Dim links As Variant, i As Long, f As String
    On Error GoTo done
    If Wb Is ThisWorkbook Then Exit Sub
    links = Wb.LinkSources(xlExcelLinks)
    If IsEmpty(links) Then Exit Sub
    For i = LBound(links) To UBound(links)
        f = Mid$(links(i), InStrRev(links(i), "\") + 1)
        If StrComp(f, ThisWorkbook.Name, vbTextCompare) = 0 And _
           StrComp(links(i), ThisWorkbook.FullName, vbTextCompare) <> 0 Then
            Wb.ChangeLink Name:=links(i), NewName:=ThisWorkbook.FullName, Type:=xlLinkTypeExcelLinks
        End If
    Next i
done:
End Sub

' Before a save: a workbook whose every Excel link is to this add-in opens later without a prompt.
Sub XlperfQuietLinks(ByVal Wb As Workbook)
    Dim links As Variant, i As Long, f As String
    On Error GoTo done
    If Wb Is ThisWorkbook Then Exit Sub
    links = Wb.LinkSources(xlExcelLinks)
    If IsEmpty(links) Then Exit Sub
    For i = LBound(links) To UBound(links)
        f = Mid$(links(i), InStrRev(links(i), "\") + 1)
        If StrComp(f, ThisWorkbook.Name, vbTextCompare) <> 0 Then Exit Sub
    Next i
    If Wb.UpdateLinks <> xlUpdateLinksNever Then Wb.UpdateLinks = xlUpdateLinksNever
done:
End Sub
